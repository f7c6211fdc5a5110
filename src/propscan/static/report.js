/* propscan report: live filters and span details for every .ps-article on the page.
   No dependencies, no network. Article strings come from JSON and reach the DOM only through
   textContent (never as HTML). Safe to run more than once: each article is set up once. */
(function () {
  "use strict";

  function pct(x) { return Math.round(x * 100) + "%"; }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function labelled(cls, label, value) {
    var d = el("div", cls);
    d.appendChild(el("b", null, label + ": "));
    d.appendChild(document.createTextNode(String(value)));
    return d;
  }

  function init(root) {
    if (root.getAttribute("data-ps-ready")) { return; }
    var dataEl = root.querySelector("script.ps-data");
    var data;
    try { data = JSON.parse(dataEl ? dataEl.textContent : "{}"); } catch (err) { return; }
    root.setAttribute("data-ps-ready", "1");
    root.classList.add("ps-js");

    var spans = data.spans || [];
    var segs = Array.prototype.slice.call(root.querySelectorAll("mark.ps-seg"));
    var tags = Array.prototype.slice.call(root.querySelectorAll(".ps-tag"));
    var counts = Array.prototype.slice.call(root.querySelectorAll(".ps-lg-count"));
    var tip = root.querySelector(".ps-tip");
    var conf = root.querySelector("input.ps-conf");
    var confVal = root.querySelector(".ps-conf-val");
    var nvis = root.querySelector(".ps-nvis");
    var optLabels = root.querySelector("input.ps-opt-labels");
    var optSents = root.querySelector("input.ps-opt-sents");
    var state = { min: 0, voice: "all", off: {}, labels: true };
    var vis = [];
    var current = null;
    var pinned = false;

    segs.forEach(function (seg) {
      seg.psIds = (seg.getAttribute("data-spans") || "").split(" ").filter(Boolean).map(Number);
      if (seg.hasAttribute("title")) { seg.removeAttribute("title"); }  // the rich tooltip replaces it
    });

    function byConf(a, b) {
      return (spans[b].c - spans[a].c) || (spans[a].n - spans[b].n) || (a - b);
    }

    // highlight strength follows confidence: 5 buckets of the strongest visible span
    function confBucket(c) { return Math.max(0, Math.min(4, Math.floor(c * 5))); }

    function visible(i) {
      var s = spans[i];
      return !!s && s.c >= state.min && !state.off[s.t] && (state.voice === "all" || s.v === state.voice);
    }

    function update() {
      var shown = 0;
      var perTech = {};
      vis = spans.map(function (s, i) { return visible(i); });
      vis.forEach(function (v, i) {
        if (v) { shown += 1; perTech[spans[i].t] = (perTech[spans[i].t] || 0) + 1; }
      });
      segs.forEach(function (seg) {
        var ids = seg.psIds.filter(function (i) { return vis[i]; }).sort(byConf);
        if (!ids.length) {
          seg.classList.remove("ps-on", "ps-multi", "ps-active");
          seg.removeAttribute("data-top");
          seg.removeAttribute("tabindex");
          return;
        }
        seg.classList.add("ps-on");
        seg.classList.toggle("ps-multi", ids.length > 1);
        seg.setAttribute("data-top", spans[ids[0]].t);
        seg.setAttribute("data-conf", String(confBucket(spans[ids[0]].c)));
        seg.setAttribute("tabindex", "0");
      });
      tags.forEach(function (tag) {
        tag.hidden = !(state.labels && vis[Number(tag.getAttribute("data-span"))]);
      });
      counts.forEach(function (c) {
        var total = Number(c.getAttribute("data-total"));
        var n = perTech[c.getAttribute("data-tech")] || 0;
        c.textContent = n === total ? String(total) : n + " of " + total;
      });
      if (nvis) { nvis.textContent = String(shown); }
      root.setAttribute("data-visible", String(shown));
      if (current) {
        if (current.classList.contains("ps-on")) { show(current); } else { hide(true); }
      }
    }

    function place(seg) {
      var rects = seg.getClientRects();
      var r = rects.length ? rects[0] : seg.getBoundingClientRect();
      var box = root.getBoundingClientRect();
      var left = r.left - box.left;
      var maxLeft = root.clientWidth - tip.offsetWidth - 8;
      left = Math.max(8, Math.min(left, maxLeft));
      var top = r.bottom - box.top + 6;
      if (r.bottom + tip.offsetHeight + 12 > window.innerHeight && r.top > tip.offsetHeight + 12) {
        top = r.top - box.top - tip.offsetHeight - 6;
      }
      tip.style.left = left + "px";
      tip.style.top = top + "px";
    }

    function show(seg) {
      if (!tip) { return; }
      var ids = seg.psIds.filter(function (i) { return vis[i]; }).sort(byConf);
      if (!ids.length) { hide(true); return; }
      while (tip.firstChild) { tip.removeChild(tip.firstChild); }
      ids.forEach(function (i) {
        var s = spans[i];
        var item = el("div", "ps-tip-item");
        var head = el("div", "ps-tip-head");
        var sw = el("span", "ps-sw", "");
        sw.setAttribute("data-top", s.t);
        sw.setAttribute("aria-hidden", "true");
        head.appendChild(sw);
        head.appendChild(el("strong", "ps-tip-name", s.d));
        item.appendChild(head);
        item.appendChild(labelled("ps-tip-voice", "Voice", s.vt));
        item.appendChild(labelled("ps-tip-voice", "Confidence", pct(s.c)));
        if (s.cue) { item.appendChild(labelled("ps-tip-cue", "Cue", s.cue)); }
        if (s.def) { item.appendChild(el("p", "ps-tip-def", s.def)); }
        if (ids.length > 1) { item.appendChild(el("div", "ps-tip-x", "\u201c" + s.x + "\u201d")); }
        tip.appendChild(item);
      });
      var sent = seg.closest(".ps-sent");
      var sc = sent ? sent.getAttribute("data-score") : "";
      if (sc) { tip.appendChild(el("div", "ps-tip-sent", "Sentence score: " + pct(Number(sc)))); }
      if (current && current !== seg) { current.classList.remove("ps-active"); current.removeAttribute("aria-describedby"); }
      current = seg;
      seg.classList.add("ps-active");
      seg.setAttribute("aria-describedby", tip.id);
      tip.hidden = false;
      place(seg);
    }

    function hide(force) {
      if (pinned && !force) { return; }
      pinned = false;
      if (tip) { tip.hidden = true; }
      if (current) { current.classList.remove("ps-active"); current.removeAttribute("aria-describedby"); }
      current = null;
    }

    function segOf(target) {
      var seg = target && target.closest ? target.closest("mark.ps-seg") : null;
      return seg && root.contains(seg) && seg.classList.contains("ps-on") ? seg : null;
    }

    root.addEventListener("mouseover", function (e) {
      var seg = segOf(e.target);
      if (seg && !pinned) { show(seg); }
    });
    root.addEventListener("mouseout", function (e) {
      var seg = segOf(e.target);
      var to = e.relatedTarget;
      if (!seg || pinned) { return; }
      if (to && (seg.contains(to) || (tip && tip.contains(to)))) { return; }
      if (document.activeElement === seg) { return; }
      hide(false);
    });
    if (tip) {
      tip.addEventListener("mouseleave", function (e) {
        if (!pinned && !(current && e.relatedTarget && current.contains(e.relatedTarget))) { hide(false); }
      });
    }
    root.addEventListener("focusin", function (e) {
      var seg = segOf(e.target);
      if (seg) { pinned = false; show(seg); }
    });
    root.addEventListener("focusout", function (e) {
      if (segOf(e.target) && !pinned) { hide(false); }
    });
    root.addEventListener("click", function (e) {
      var seg = segOf(e.target);
      if (!seg) { return; }
      if (pinned && current === seg) { hide(true); return; }
      show(seg);
      pinned = true;
    });
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { hide(true); return; }
      var seg = segOf(e.target);
      if (seg && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        if (pinned && current === seg) { hide(true); } else { show(seg); pinned = true; }
      }
    });
    document.addEventListener("click", function (e) {
      if (pinned && !segOf(e.target) && !(tip && tip.contains(e.target))) { hide(true); }
    });
    window.addEventListener("resize", function () { if (current) { place(current); } });

    if (conf) {
      conf.addEventListener("input", function () {
        state.min = Number(conf.value) / 100;
        if (confVal) { confVal.textContent = conf.value + "%"; }
        conf.setAttribute("aria-valuetext", "at least " + conf.value + "%");
        update();
      });
    }
    Array.prototype.forEach.call(root.querySelectorAll("input.ps-tech"), function (box) {
      box.addEventListener("change", function () { state.off[box.value] = !box.checked; update(); });
    });
    Array.prototype.forEach.call(root.querySelectorAll("input.ps-voice-opt"), function (radio) {
      radio.addEventListener("change", function () { if (radio.checked) { state.voice = radio.value; update(); } });
    });
    if (optLabels) {
      optLabels.addEventListener("change", function () { state.labels = optLabels.checked; update(); });
    }
    if (optSents) {
      optSents.addEventListener("change", function () { root.classList.toggle("ps-nosent", !optSents.checked); });
    }
    update();
  }

  function openTarget() {
    var id = "";
    try { id = decodeURIComponent(window.location.hash.slice(1)); } catch (err) { return; }
    var target = id ? document.getElementById(id) : null;
    var details = target && target.closest ? target.closest("details") : null;
    if (details && !details.open) { details.open = true; target.scrollIntoView(); }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".ps-article"), init);
  if (!window.__propscanReportGlobal) {
    window.__propscanReportGlobal = true;
    window.addEventListener("hashchange", openTarget);
    window.addEventListener("beforeprint", function () {
      Array.prototype.forEach.call(document.querySelectorAll(".psr details"), function (d) { d.open = true; });
    });
    openTarget();
  }
})();
