/* propscan web app: small progressive enhancements (the pages work without this script). */
(function () {
  "use strict";
  var range = document.getElementById("threshold");
  var out = document.getElementById("threshold-out");
  if (range && out) {
    var show = function () { out.textContent = Math.round(parseFloat(range.value) * 100) + "%"; };
    range.addEventListener("input", show);
    show();
  }
  var text = document.getElementById("text");
  var count = document.getElementById("char-count");
  if (text && count) {
    var upd = function () { count.textContent = text.value.length.toLocaleString(); };
    text.addEventListener("input", upd);
    upd();
  }
  var form = document.getElementById("analyse-form");
  var submit = document.getElementById("submit");
  if (form && submit) {
    form.addEventListener("submit", function () {
      submit.disabled = true;
      submit.classList.add("busy");
      submit.textContent = "Analysing\u2026";
    });
    window.addEventListener("pageshow", function () {
      submit.disabled = false;
      submit.classList.remove("busy");
      submit.textContent = "Analyse";
    });
  }
  var data = document.getElementById("analysis-json");
  var dl = document.getElementById("download-json");
  if (data && dl && window.Blob && window.URL) {
    dl.hidden = false;
    dl.addEventListener("click", function () {
      var parsed = JSON.parse(data.textContent);
      var blob = new Blob([JSON.stringify(parsed, null, 2)], { type: "application/json" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "propscan-" + String(parsed.id || "analysis").replace(/[^A-Za-z0-9_-]/g, "_") + ".json";
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    });
  }
})();
