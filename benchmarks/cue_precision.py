"""Would surface cues find the rare techniques? Each technique's cue pattern (written from its definition, not
from the corpus) matched over the **fit split** of PTC train; per technique: matches, the share that touch a gold
span of that technique (precision) or of any technique, and the share of its gold spans a match touches (recall).

    PYTHONPATH=src python benchmarks/cue_precision.py   # writes benchmarks/results/cue_precision_fit.json

An exploration (stop 29): no rule, nothing shipped; the tune split and dev are not read.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from propscan.io.ptc import read_ptc
from propscan.models.protocol import split_train_ids

DATA = os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020")

CUES = {
 "Bandwagon,Reductio_ad_hitlerum": r"\b(everyone knows|everybody knows|all (?:real|true|decent|good) \w+|most (?:people|Americans|voters)|millions of (?:people|Americans|voters)|the majority of \w+|join the (?:millions|movement)|nobody (?:wants|believes)|like Hitler|Nazis?\b)",
 "Black-and-White_Fallacy": r"\b(either\b[^.?!]{0,80}\bor\b|with us or against us|(?:there is|there's) no (?:alternative|other option|middle ground)|the only (?:option|choice|way|solution)|only two (?:options|choices))",
 "Thought-terminating_Cliches": r"(\bit is what it is\b|\benough is enough\b|\bplain and simple\b|\bend of story\b|\bthat's that\b|\bat the end of the day\b|\blet's be honest\b|\bfacts are facts\b|\bsimple as that\b|\bno ifs?,? ands? or buts\b)",
 "Whataboutism,Straw_Men,Red_Herring": r"\b(what about|but what of|how about the|where (?:was|were) [^.?!]{0,40}\bwhen|and yet (?:they|he|she|the))",
 "Appeal_to_Authority": r"\b(experts? (?:say|agree|warn|believe)|scientists? (?:say|agree|warn)|according to (?:experts|scientists|doctors|officials|the experts)|studies (?:show|have shown)|leading expert|renowned)\b",
 "Causal_Oversimplification": r"\b(is to blame|are to blame|all because|the (?:real |sole |only )?reason (?:is|why)|is responsible for|are responsible for|the root cause)\b",
 "Doubt": r"\b(so-called|allegedly|supposedly|questionable|dubious|can we (?:really )?trust|is it any wonder|claims? to be|purported(?:ly)?)\b",
}


def main() -> None:
    docs, gold = read_ptc(DATA, "train")
    fit = set(split_train_ids([d.id for d in docs])[0])
    table = {}
    for tech, pat in CUES.items():
        rx = re.compile(pat, re.I)
        n = same = touched_any = gold_n = touched = 0
        for d in docs:
            if d.id not in fit:
                continue
            g = list(gold.get(d.id, []))
            ms = [(m.start(), m.end()) for m in rx.finditer(d.text)]
            for s, e in ms:
                n += 1
                ov = [x for x in g if x.start < e and s < x.end]
                touched_any += bool(ov)
                same += any(x.technique == tech for x in ov)
            for x in g:
                if x.technique == tech:
                    gold_n += 1
                    touched += any(s < x.end and x.start < e for s, e in ms)
        table[tech] = {"matches": n, "precision_same": round(same / max(n, 1), 3), "precision_any": round(touched_any / max(n, 1), 3),
                       "gold_spans": gold_n, "recall_touched": round(touched / max(gold_n, 1), 3)}
        print(tech, table[tech])
    out = Path("benchmarks/results/cue_precision_fit.json")
    out.write_text(json.dumps({"split": "fit (PTC train, 297 articles)", "cues": CUES, "table": table}, indent=2) + "\n")


if __name__ == "__main__":
    main()
