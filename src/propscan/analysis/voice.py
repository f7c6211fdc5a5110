"""Who is speaking: find quotations in an article and attribute each to its speaker.

:func:`find_quotes` returns :class:`Quote` objects (direct ``"…"`` quotes, whole-paragraph
block quotes, and reported speech such as ``X said that …`` / ``according to X, …``);
:func:`attribute` sets ``voice`` (``"author"`` or ``"quoted"``) and ``speaker`` on spans.

Speakers are named as the text names them: organisation names are kept whole ("National
Oceanic and Atmospheric Administration", "Association of Colleges") and acronyms defined in
brackets map back to them ("NOAA"); titles and affiliations are parsed off ("Maya Thornton, the
Labour MP for Leeds Central, said" -> Maya Thornton); quantity words and sentence adverbs
("Thousands", "Here") never name a speaker; reported speech without "that" is recognised by a
noun phrase followed by a finite verb ("said students would be shocked"); the innermost
speaker of nested reports counts ("police said the driver told officers he ...", the driver);
embedded posts closed by a signature line ("— Jane Doe (@janedoe) May 1, 2018") are block
quotes of that name.

Pure Python + regular expressions: no models, no network, a few milliseconds per article.
Offsets are ``str`` indices into ``doc.text`` (end exclusive), like every propscan offset.

>>> from propscan.document import Document
>>> doc = Document('"We will win," said Senator Jane Smith.', id="x")
>>> q = find_quotes(doc)[0]
>>> doc.text[q.start:q.end], q.speaker, q.cue
('"We will win,"', 'Jane Smith', 'said')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from propscan.document import Document, Span

QuoteKind = Literal["direct", "block", "reported"]

__all__ = ["Quote", "find_quotes", "attribute"]


@dataclass(frozen=True, slots=True)
class Quote:
    """One quotation in a document.

    ``start``/``end`` cover the quoted content *including* its quote marks for direct and
    block quotes, or the reported clause for reported speech. ``speaker`` is the canonical
    name (titles stripped, pronouns resolved) or ``None``; ``speaker_start``/``speaker_end``
    point at the mention in the text (the pronoun itself when it was resolved); ``cue`` is
    the attribution verb or phrase (``"said"``, ``"according to"``).
    """

    start: int
    end: int
    kind: QuoteKind
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "speaker": self.speaker,
            "speaker_start": self.speaker_start,
            "speaker_end": self.speaker_end,
            "cue": self.cue,
        }


# --------------------------------------------------------------------------- lexicons


def _forms(lemma: str) -> list[str]:
    irregular = {
        "say": ["say", "says", "said", "saying"],
        "tell": ["tell", "tells", "told", "telling"],
        "write": ["write", "writes", "wrote", "writing"],
        "read": ["reads", "reading"],
        "begin": ["begin", "begins", "began", "beginning"],
        "admit": ["admit", "admits", "admitted", "admitting"],
        "quip": ["quip", "quips", "quipped", "quipping"],
        "testify": ["testify", "testifies", "testified", "testifying"],
        "cry": ["cries", "cried"],
        "hold": ["holds", "held"],
        "find": ["finds", "found"],
        "go on": [],
    }
    if lemma in irregular:
        return irregular[lemma]
    if lemma.endswith("e"):
        return [lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing"]
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        return [lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"]
    s = lemma + ("es" if lemma.endswith(("s", "sh", "ch", "x", "z")) else "s")
    return [lemma, s, lemma + "ed", lemma + "ing"]


# "free": takes a clause with or without "that"; "that": only with "that";
# "wh": only with whether/if/why/...; "direct": only attributes a direct quote.
_VERB_CLASSES = {
    "free": (
        "say tell claim argue warn insist write tweet note explain declare allege suggest add stress "
        "believe assert contend maintain predict hint complain recall state emphasize emphasise "
        "testify observe boast caution speculate theorize opine counter reiterate insinuate "
        "threaten lament charge"
    ),
    "that": (
        "acknowledge admit confirm deny announce reveal report agree conclude estimate indicate "
        "promise vow reply respond post concede fear hope suspect hold find acknowledge "
        "inform assure remind advise"
    ),
    "wh": "ask wonder question",
    "as": (
        "describe brand hail label characterize characterise dub denounce praise portray urge accuse request "
        "term deride condemn"
    ),
    "direct": (
        "continue answer shout yell scream whisper mutter exclaim chant quip joke retort laugh "
        "sigh cry call read begin comment remark recount"
    ),
}
_VERBS: dict[str, tuple[str, str]] = {}
for _cls, _lemmas in _VERB_CLASSES.items():
    for _lemma in _lemmas.split():
        for _f in _forms(_lemma):
            _VERBS.setdefault(_f, (_lemma, _cls))
# verbs that take a person object before the clause ("told reporters that", "assured them")
_COMMUNICATION = {
    "say", "tell", "claim", "write", "report", "announce", "inform", "add", "insist", "argue", "warn",
    "state", "allege", "testify", "reveal", "confirm", "deny", "assert", "declare", "explain", "note",
    "reply", "respond", "tweet", "post",
}  # fmt: skip
_OBJECT_VERBS = {"tell", "inform", "assure", "remind", "advise", "warn", "ask"}

_PRONOUNS = {"he", "she", "they", "it", "i", "we", "you"}
_DETERMINERS = {
    "the", "a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "some", "several", "many", "other", "another", "both", "few", "dozens", "hundreds", "most",
}  # fmt: skip
_POSSESSIVE_DETS = {"his", "her", "their", "its", "this", "these", "those", "my", "our", "your"}
_AUX_ADV = {
    "has", "have", "had", "is", "was", "are", "were", "be", "been", "will", "would", "could",
    "should", "may", "might", "must", "can", "also", "later", "earlier", "then", "previously",
    "repeatedly", "again", "reportedly", "publicly", "recently", "first", "once", "long", "often",
    "never", "still", "just", "heard", "quoted", "not", "did", "does", "do", "even", "further",
    "privately", "now", "today", "yesterday", "subsequently", "initially", "famously",
}  # fmt: skip
_TIME_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
    "yesterday", "tonight", "week", "month", "year", "morning", "afternoon", "evening", "night",
    "weekend", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
}  # fmt: skip
_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
}  # fmt: skip
_MEDIUM_NOUNS = {
    "statement", "statements", "interview", "email", "e-mail", "letter", "conference", "briefing",
    "tweet", "tweets", "post", "posting", "speech", "video", "broadcast", "op-ed", "column",
    "article", "memo", "report", "press", "hearing", "meeting", "message", "page", "twitter",
    "facebook", "instagram", "television", "tv", "radio", "show", "rally", "appearance", "session",
    "call", "phone", "filing", "court", "release", "testimony", "remarks", "address", "podcast",
    "blog", "website", "camera", "book", "note", "documentary", "program", "programme", "event",
    "youtube", "telegram", "gab", "parler", "floor", "chamber", "senate", "house", "summit",
    "news", "newspaper", "magazine", "channel", "network",
}  # fmt: skip
_TELL_OBJECTS = {
    "reporters", "journalists", "press", "him", "her", "them", "us", "me", "you", "lawmakers",
    "senators", "members", "supporters", "audience", "crowd", "viewers", "listeners", "readers",
    "congress", "parliament", "investigators", "police", "officials", "students", "guests",
    "website", "station", "newspaper", "paper", "magazine", "network", "channel", "outlet",
    "committee", "agency", "panel", "court", "jury", "judge", "interviewer", "host", "hosts",
}  # fmt: skip
_TITLES = {
    "president", "pres", "vice", "sen", "senator", "rep", "representative", "congressman",
    "congresswoman", "gov", "governor", "mr", "mrs", "ms", "miss", "dr", "prof", "professor",
    "minister", "secretary", "spokesman", "spokeswoman", "spokesperson", "spokespeople", "chairman",
    "chairwoman", "chair", "ceo", "cfo", "coo", "director", "judge", "justice", "general", "gen",
    "col", "colonel", "lt", "lieutenant", "sgt", "sergeant", "adm", "admiral", "commander", "chief",
    "counsel", "lawyer", "attorney", "ambassador", "envoy", "mayor", "sheriff", "officer",
    "official", "leader", "king", "queen", "prince", "princess", "pope", "father", "rev",
    "reverend", "sir", "lord", "lady", "dame", "rabbi", "imam", "sheikh", "ayatollah", "premier",
    "chancellor", "deputy", "former", "host", "anchor", "analyst", "correspondent", "reporter",
    "editor", "author", "columnist", "founder", "co-founder", "candidate", "nominee", "lawmaker",
    "economist", "scientist", "researcher", "doctor", "actor", "actress", "singer", "comedian",
    "veteran", "student", "activist", "blogger", "commentator", "historian", "expert", "aide",
    "adviser", "advisor", "strategist", "pastor", "cardinal", "archbishop", "bishop", "emir",
    "sultan", "crown", "foreign", "defense", "defence", "interior", "finance", "prime", "assistant", "acting", "interim", "head", "manager", "owner", "executive",
    "president-elect", "ex", "then", "mp", "mep", "councillor", "councilman", "councilwoman",
    "superintendent", "inspector", "detective", "coach", "farmer", "captain", "capt", "major", "maj", "corporal",
    "private", "chairperson", "speaker", "whip", "majority", "minority", "secretary-general",
    "director-general", "commissioner", "senior", "junior", "top",
}  # fmt: skip
_NAME_TITLES = {
    "pope", "king", "queen", "prince", "princess", "emir", "sultan", "sheikh", "ayatollah", "cardinal",
    "archbishop", "bishop", "imam", "rabbi", "pastor", "sir", "dame", "lord", "lady",
}  # fmt: skip
_LAWMAKER_TITLES = {"sen", "senator", "rep", "representative", "congressman", "congresswoman", "lawmaker", "mp"}
_TITLE_ALIASES = {
    "sen": "senator", "rep": "representative", "gov": "governor", "gen": "general",
    "pres": "president", "prof": "professor", "dr": "doctor", "congressman": "lawmaker",
    "congresswoman": "lawmaker", "senator": "lawmaker", "representative": "lawmaker",
}  # fmt: skip
_ORG_NOUNS = {
    "embassy", "ministry", "department", "office", "police", "company", "mission", "committee",
    "agency", "government", "network", "bar", "party", "council", "court", "administration",
    "commission", "bureau", "service", "services", "army", "military", "navy", "force", "forces",
    "group", "organization", "organisation", "institute", "university", "foundation", "campaign",
    "news", "times", "post", "journal", "press", "tribune", "herald", "telegraph", "guardian",
    "magazine", "newspaper", "website", "station", "channel", "radio", "tv", "television", "media",
    "union", "association", "federation", "board", "authority", "corporation",
    "corp", "inc", "ltd", "bank", "fund", "parliament", "congress", "senate", "house",
    "kremlin", "pentagon", "white", "spokesmen", "team", "club", "church", "centre", "center",
    "reuters", "ap", "cnn", "bbc", "fbi", "cia", "nsa", "un", "nato", "eu", "prosecutors",
    "coalition", "movement", "daily", "weekly", "review", "watch", "alliance", "restaurant", "firm", "chain", "newsroom", "outlet", "staff", "regime",
    "city", "county", "town", "village", "province", "borough", "municipality", "guild", "society",
}  # fmt: skip
_GENERIC_NOUNS = {
    "woman", "women", "man", "men", "teen", "teens", "teenager", "teenagers", "girl", "boy", "friend",
    "wife", "husband", "mother", "father", "son", "daughter", "sister", "brother", "source",
    "sources", "official", "officials", "witness", "witnesses", "resident", "residents", "critic",
    "critics", "expert", "experts", "analyst", "analysts", "person", "people", "victim", "victims",
    "aide", "aides", "staffer", "lawyer", "lawyers", "attorney", "attorneys", "spokesman",
    "spokeswoman", "spokesperson", "worker", "workers", "employee", "employees", "individual",
    "senator", "lawmaker", "lawmakers", "president", "minister", "leader", "leaders", "activist",
    "activists", "prosecutor", "prosecutors", "investigators", "police", "officers", "officer",
    "student", "students", "parent", "parents", "neighbor", "neighbour", "reporter", "reporters",
    "doctors", "doctor", "scientists", "researchers", "author", "authors", "writer", "observers",
    "supporters", "opponents", "member", "members", "group", "company", "embassy", "mission",
    "ministry", "department", "agency", "government", "administration", "report", "study",
    "statement", "letter", "document", "documents", "poll", "survey", "veteran", "congressman",
    "congresswoman", "judge", "governor", "mayor", "sheriff", "chief", "director", "nominee",
    "candidate", "suspect", "accuser", "accusers", "host", "guest", "caller", "bar", "office",
    "senators", "democrats", "republicans", "liberals", "conservatives", "protesters", "users",
    # occupations and roles that speak in news copy ("the inspector said")
    "inspector", "inspectors", "engineer", "engineers", "farmer", "farmers", "owner", "owners", "manager",
    "managers", "teacher", "teachers", "nurse", "nurses", "pilot", "coach", "player", "players", "fan", "fans",
    "voter", "voters", "economist", "economists", "historian", "professor", "chairman", "chairwoman", "ceo",
    "founder", "commissioner", "councillor", "councilman", "councilwoman", "representative", "diplomat",
    "diplomats", "commander", "soldier", "soldiers", "agent", "agents", "detective", "trooper", "firefighter",
    "paramedic", "organiser", "organizer", "organizers", "organisers", "campaigner", "campaigners", "scientist",
    "researcher", "physician", "surgeon", "pastor", "priest", "negotiator", "negotiators", "lobbyist", "donor",
}  # fmt: skip
_FEMALE_NOUNS = {
    "woman",
    "women",
    "girl",
    "wife",
    "mother",
    "daughter",
    "sister",
    "spokeswoman",
    "congresswoman",
    "actress",
    "queen",
    "lady",
    "mrs",
    "ms",
    "miss",
}
_MALE_NOUNS = {
    "man",
    "men",
    "boy",
    "husband",
    "father",
    "son",
    "brother",
    "spokesman",
    "congressman",
    "actor",
    "king",
    "mr",
    "sir",
    "lord",
}
_FEMALE_NAMES = set(
    """mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty
    margaret sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah
    stephanie rebecca sharon laura cynthia kathleen amy shirley angela helen anna brenda pamela
    nicole emma samantha katherine catherine christine debra rachel carolyn janet maria heather
    diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith
    megan cheryl andrea hannah martha jacqueline frances gloria ann teresa kathryn sara janice
    jean alice madison doris abigail julia judy grace denise amber marilyn beverly danielle
    theresa sophia marie diana brittany natalie isabella charlotte rose alexis kayla hillary
    nikki kamala ilhan alexandria nancy dianne elizabeth theresa angela marine ursula tina
    leeann lindsay lindsey kirstjen sarah kellyanne ivanka melania michelle oprah greta
    tulsi maxine elise liz susan lisa kristen kirsten christine anita""".split()
)
_MALE_NAMES = set(
    """james robert john michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
    brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron
    jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy christian keith
    roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe
    bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene
    russell bobby mason philip louis barack bernie mitch chuck rudy mike bill tom jim bob brett
    vladimir sergei xi emmanuel boris recep bashar kim hassan benjamin ali mohammed muhammad
    ahmed hunter kristian rand ted lindsey jeff al newt devin adam jared rex rick marco""".split()
)
_COUNTRIES = set(
    """china russia iran iraq syria israel america usa us u.s uk britain france germany italy spain
    japan korea india pakistan afghanistan turkey egypt saudi arabia qatar yemen libya cuba
    venezuela mexico canada brazil ukraine poland hungary sweden norway denmark europe ukraine
    washington moscow beijing tehran london paris berlin brussels kiev damascus ankara jerusalem
    pyongyang seoul tokyo delhi riyadh havana caracas ottawa nato isis hamas hezbollah taliban
    kremlin pentagon congress""".split()
)
_FUNCTION_WORDS = {
    "and", "but", "or", "nor", "that", "which", "who", "whom", "whose", "what", "when", "where",
    "while", "if", "because", "as", "than", "to", "from", "by", "with", "on", "at", "in", "of",
    "for", "about", "after", "before", "then", "so", "not", "into", "over", "under", "since",
    "until", "though", "although", "whether", "why", "how", "there", "here", "this", "these",
    "those", "it", "its", "be", "is", "was", "are", "were", "has", "have", "had", "will", "would",
    "also", "said", "says", "say", "told", "all", "any", "no", "against", "through", "during",
    "without", "within", "between", "among", "upon", "onto", "off", "out", "up", "down",
}  # fmt: skip
_RELATIVE = {"which", "what", "who", "whom", "whose", "that", "as", "than", "where", "when", "how"}
_CLAUSE_START_LOWER = {
    "he", "she", "they", "it", "i", "we", "you", "there", "this", "that", "these", "those", "his",
    "her", "its", "their", "our", "my", "your", "the", "a", "an", "some", "many", "no", "all",
    "most", "any", "each", "every", "none", "both", "if", "when", "while", "because", "although",
    "even", "nobody", "everyone", "everybody", "someone", "somebody", "anyone", "such", "only",
    "more", "few", "one", "two", "three", "several", "neither", "either", "people", "officials",
    "whoever", "nothing",
}  # fmt: skip
_CLAUSE_CUT_CONJ = {"but", "and", "while", "whereas", "although", "though", "yet"}
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "capt", "adm",
    "st", "jr", "sr", "vs", "no", "inc", "ltd", "co", "corp", "u.s", "u.k", "u.n", "e.g", "i.e",
    "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "md", "calif", "pa",
    "fla", "ariz", "mass", "mich", "minn", "tex", "va", "wash", "n.y", "d.c", "ky", "ill", "wis",
    "conn", "ore", "okla", "nev", "ga", "ala", "tenn", "mo", "ind", "rev", "fr", "pres", "maj",
    "cpl", "pvt", "ret", "esq", "mt", "ft", "approx", "dept", "est", "al", "etc",
}  # fmt: skip
# last words of capitalised organisation names ("Acme Corp", "Harbour Authority", "Green Party")
_ORG_HEADS = frozenset(
    "corp corporation inc ltd llc co company authority council ministry party agency department commission "
    "committee association union bank university institute foundation court administration board bureau "
    "federation league group organization organisation service services network guild society caucus "
    "trust project academy college school hospital museum library institution centre center police "
    "department office agency alliance coalition movement press times post news journal tribune herald "
    "magazine review weekly daily channel station radio television tv house motors airlines airways "
    "industries holdings partners systems technologies energy pharmaceuticals labs media entertainment foods "
    "brands capital securities insurance".split()
)
# institutions described by a common noun ("the embassy"): resolved to organisations, never to people
_INSTITUTIONS = frozenset(
    "company embassy mission ministry department agency government administration office bar group".split()
)
_LEADING_SKIP = {
    "in", "on", "at", "during", "earlier", "later", "meanwhile", "after", "before", "last",
    "but", "and", "however", "still", "yet", "so", "then", "now", "also", "today", "yesterday",
    "speaking", "asked", "when", "while", "since", "separately", "instead", "indeed", "moreover",
}  # fmt: skip
# quantity words: "Thousands of lecturers said ..." names nobody
_QUANTITY = {
    "thousands", "hundreds", "dozens", "millions", "scores", "tens", "many", "some", "several", "most",
    "few", "both", "all", "others", "numerous", "countless", "more", "fewer", "each", "every", "none",
    "half", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "other",
}  # fmt: skip
# place and discourse adverbs that open sentences: "Here is what she said:", "Again Fox adds"
_ADVERB_OPENERS = {
    "here", "there", "again", "meanwhile", "now", "then", "today", "yesterday", "tonight", "also",
    "still", "yet", "so", "thus", "hence", "instead", "indeed", "moreover", "furthermore", "however",
    "finally", "later", "earlier", "previously", "separately", "elsewhere", "overall", "nevertheless",
    "nonetheless", "anyhow", "anyway", "besides", "otherwise", "sadly", "fortunately", "unfortunately",
    "surprisingly", "interestingly", "notably", "similarly", "likewise", "additionally", "specifically",
    "breaking", "update", "exclusive", "scoop", "watch", "read", "video", "photo", "photos",
}  # fmt: skip
# people named by a role noun that the older lists lack
_PERSON_NOUNS = {
    "couple", "family", "families", "imam", "grandfather", "grandmother", "grandparents", "uncle", "aunt",
    "cousin", "nephew", "niece", "grandson", "granddaughter", "partner", "boyfriend", "girlfriend",
    "neighbor", "neighbors", "neighbour", "neighbours", "volunteer", "volunteers", "lecturer", "lecturers",
    "welder", "colleague", "colleagues", "signatories", "teenager", "protester", "protesters", "defendant",
    "defendants", "plaintiff", "plaintiffs", "secretary", "general", "spokespeople", "sister", "chancellor",
    "agent", "boss", "chair", "official", "officials", "sources", "legislators", "senators", "candidates",
    "mayor", "nurse", "doctor", "patient", "patients", "customer", "customers", "tenant", "tenants",
    "landlord", "landlords", "pupil", "pupils", "athlete", "driver", "passenger", "passengers", "survivor",
    "survivors", "relatives", "relative", "father", "mother", "son", "daughter", "brother", "wife",
    "husband", "child", "children", "kids", "man", "woman", "men", "women", "boy", "girl", "cleric",
    "authorities", "leaders", "analyst", "analysts",
}  # fmt: skip
# documents that speak for whoever issued them ("the letter said", "CNN's suit says")
_DOCUMENT_NOUNS = {
    "statement", "letter", "suit", "lawsuit", "complaint", "filing", "report", "memo", "tweet", "post",
    "release", "affidavit", "warrant", "message", "email", "e-mail", "document", "documents", "docket",
    "order", "ruling", "motion", "brief", "petition", "indictment", "account", "website", "blog",
}  # fmt: skip
# words that end a capitalised run but never a person's name
_NOT_PERSON_WORDS = {
    "amendment", "act", "bill", "law", "constitution", "first", "second", "third", "fourth", "fifth",
    "street", "avenue", "road", "county", "city", "state", "states", "district", "church", "mosque",
    "school", "hospital", "airport", "river", "lake", "island", "north", "south", "east", "west",
    "central", "northern", "southern", "eastern", "western", "new", "united", "national", "federal",
    "international", "american", "british", "republican", "democratic", "democrat", "party", "day",
    "war", "world", "house", "white", "office", "security", "council", "square", "park", "hall", "bridge",
    "tower", "station", "centre", "center", "plaza", "compound", "valley", "mountain", "beach", "bay",
    "capitol", "congress", "senate", "court", "supreme", "justice", "department", "ministry", "agency",
    "police", "army", "navy", "force", "guard", "group", "report", "times", "post", "news", "press",
    "journal", "magazine", "tv", "radio", "network", "facebook", "twitter", "youtube", "instagram",
    "google", "apple", "amazon", "microsoft", "breaking", "scoop", "update", "exclusive", "guild",
    "institute", "institution", "association", "union", "league", "society", "foundation", "trust",
}  # fmt: skip

# quote marks
_DQ_OPEN = "\u201c\u201e\u201f\u00ab"
_DQ_CLOSE = "\u201d\u00bb"
_DQ_AMBIG = '"\uff02'
_DQ = _DQ_OPEN + _DQ_CLOSE + _DQ_AMBIG
_ZW = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_OPEN_CONTEXT = "([{\u2014\u2013-/:;\u201c\u2018'\"\u00ab"
_CLOSE_CONTEXT = ".,;:!?)]}\u2014\u2013-\u2026\u201d\u2019'\"\u00bb"
_ELISIONS = ("em ", "n'", "n\u2019", "cause", "til ", "tis ", "twas", "bout", "round ", "ol'")
_MASK = "\x01"

# "— Jane Doe (@janedoe) May 1, 2018" closing an embedded post
_SIGNATURE_RE = re.compile(
    r"[\u2014\u2013]\s*([^\s()@\u2014\u2013][^()@\n\u2014\u2013]{0,60}?)\s*\(@\w{1,30}\)\s*"
    r"(?:[A-Z][a-z]+\.? \d{1,2}, \d{4})?\s*$"
)
_MAX_POST_CHARS = 330
_PARA_RE = re.compile(r"[^\n\r\u2028\u2029\u0085]+")
_TOKEN_RE = re.compile(r"\x01+|\w+(?:[\u2019'\-.&]\w+)*|[^\w\s]")
_MAX_QUOTE_PARAS = 12
_MAX_QUOTE_CHARS = 6000


# --------------------------------------------------------------------------- small helpers


@dataclass(slots=True)
class _Tok:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower().replace("\u2019", "'")

    @property
    def is_quote(self) -> bool:
        return self.text[:1] == _MASK

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalnum() or self.text[:1] == "_"

    @property
    def is_cap(self) -> bool:
        c = self.text[:1]
        return c.isupper() or (c.isdigit() and len(self.text) <= 4 and False)


def _tokens(masked: str, start: int, end: int) -> list[_Tok]:
    return [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(masked, start, end)]


def _is_space(ch: str | None) -> bool:
    return ch is None or ch.isspace() or ch in _ZW


# capitalised only because they open a sentence or a web-page fragment: never part of a name
_NOT_NAME_START = _LEADING_SKIP | {
    "like", "unlike", "as", "advertisement", "if", "because", "although", "though", "despite", "even",
    "only", "just", "not", "for", "with", "from", "by", "to", "until", "among", "under", "over", "why",
    "what", "how", "where", "who", "thus", "hence", "still", "perhaps", "maybe", "both", "either", "neither",
} | _ADVERB_OPENERS  # fmt: skip


def _norm_name(tokens: Sequence[_Tok]) -> str:
    tokens = list(tokens)
    while len(tokens) > 1 and tokens[0].low in _NOT_NAME_START:
        tokens = tokens[1:]
    out = " ".join(t.text for t in tokens).replace("\u2019", "'")
    out = re.sub(r"\s+([.,'])", r"\1", out).replace(" - ", "-")
    return out.strip()


_YEAR_OLD_RE = re.compile(r"^\d+-year-old$")
_FINITE_AUX = {
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "should", "shall",
    "may", "might", "must", "did", "does", "do", "am", "cannot",
}  # fmt: skip
_IRREGULAR_PAST = set(
    """felt went saw knew thought told said made found took gave came got lost won met left kept ran began
    became held brought bought sent spent paid heard meant put set cut hit let led fell rose grew drew threw
    wrote spoke broke chose stole fled fought caught taught sought built lent dealt sold stood understood hid
    lay sat shot struck stuck swore wore tore ate drove rode flew forgot forgave withdrew mistook shook woke
    froze hung dug spun spread cost hurt quit split shut burst""".split()
)
_NOT_PAST_ED = {"need", "red", "bed", "shed", "seed", "feed", "speed", "greed", "bred", "united", "wed", "hundred"}
_PLACE_NOUNS = {
    "capital", "region", "area", "country", "province", "state", "city", "town", "village", "district",
    "neighborhood", "neighbourhood", "community", "county", "north", "south", "east", "west",
}  # fmt: skip
_PRESENT_NEXT = {
    "the", "a", "an", "that", "to", "no", "not", "his", "her", "its", "their", "our", "my", "your", "him",
    "them", "it", "this", "these", "those", "all", "any", "every", "some", "more", "up", "out", "off",
}  # fmt: skip
_SUBORDINATORS = {"if", "when", "while", "because", "although", "even", "whether", "since", "unless", "once"}


def _is_finite(tok: _Tok) -> bool:
    """Whether a token is (most likely) a finite verb: an auxiliary, a modal or a past tense."""
    lw = tok.low
    if lw in _FINITE_AUX or lw in _IRREGULAR_PAST or lw.endswith("n't"):
        return True
    return lw.endswith("ed") and len(lw) >= 4 and lw.isalpha() and lw not in _NOT_PAST_ED and tok.text.islower()


def _is_person_noun(low: str) -> bool:
    return low in _GENERIC_NOUNS or low in _PERSON_NOUNS or bool(_YEAR_OLD_RE.match(low))


@dataclass(slots=True)
class _Mention:
    """A speaker mention before resolution."""

    kind: str  # name | org | pronoun | definite | generic
    text: str
    start: int
    end: int
    canonical: str | None = None
    person: bool | None = None
    gender: str | None = None  # "f" | "m" | None
    head: str | None = None  # head noun of a description, or title of a named person
    plural: bool = False


@dataclass(slots=True)
class _Cand:
    """A raw quote before speaker resolution."""

    start: int
    end: int
    kind: str
    mention: _Mention | None = None
    cue: str | None = None
    inherit: int | None = None  # index into the direct-quote list to copy a speaker from
    para: int = 0
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    person: bool | None = None
    gender: str | None = None


# --------------------------------------------------------------------------- entry points


def find_quotes(doc: Document) -> list[Quote]:
    """Find direct, block and reported quotations in ``doc`` and attribute each to a speaker.

    Parameters
    ----------
    doc : Document
        The article. Any text is accepted; odd text (unbalanced quotes, zero-width or
        right-to-left characters, empty paragraphs) yields fewer quotes, never an error.

    Returns
    -------
    list of Quote
        Non-overlapping quotes sorted by ``start``.

    Examples
    --------
    >>> from propscan.document import Document
    >>> [q.kind for q in find_quotes(Document('He said the plan had failed.', id="a"))]
    ['reported']
    """
    text = doc.text if isinstance(doc, Document) else str(doc)
    if not text or not text.strip():
        return []
    try:
        return _Finder(text).run()
    except RecursionError:  # pragma: no cover - defensive, the finder does not recurse deeply
        return []


def attribute(doc: Document, spans: Sequence[Span], quotes: Sequence[Quote] | None = None) -> list[Span]:
    """Set ``voice`` and ``speaker`` on each span: ``"quoted"`` when more than half of its
    characters lie inside a quotation, else ``"author"``.

    Parameters
    ----------
    doc : Document
        The article the spans point into.
    spans : sequence of Span
        Spans to label; returned in the same order, as copies (``span.with_``).
    quotes : sequence of Quote, optional
        Quotations of ``doc``; found with :func:`find_quotes` when omitted.

    Examples
    --------
    >>> from propscan.document import Document
    >>> d = Document('"They are traitors," she said. Mary Poe spoke later.', id="b")
    >>> [s.voice for s in attribute(d, [d.span(1, 18), d.span(31, 39)])]
    ['quoted', 'author']
    """
    if quotes is None:
        quotes = find_quotes(doc)
    ordered = sorted(quotes, key=lambda q: q.start)
    starts = [q.start for q in ordered]
    import bisect

    out: list[Span] = []
    for span in spans:
        best: Quote | None = None
        best_overlap = 0
        i = max(0, bisect.bisect_right(starts, span.start) - 1)
        # quotes do not overlap, so only a few can touch the span; walk from the one before it
        while i < len(ordered) and ordered[i].start < span.end:
            q = ordered[i]
            overlap = min(q.end, span.end) - max(q.start, span.start)
            if overlap > best_overlap:
                best, best_overlap = q, overlap
            i += 1
        length = max(1, span.end - span.start)
        if best is not None and best_overlap * 2 > length:
            out.append(span.with_(voice="quoted", speaker=best.speaker))
        else:
            out.append(span.with_(voice="author", speaker=None))
    return out


# --------------------------------------------------------------------------- the finder


class _Finder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.paras: list[tuple[int, int]] = [
            (m.start(), m.end()) for m in _PARA_RE.finditer(text) if m.group().strip(" \t" + _ZW)
        ]
        self.para_starts = [p[0] for p in self.paras]
        self.direct: list[_Cand] = []
        self.reported: list[_Cand] = []
        self.hints: dict[int, tuple[_Mention | None, str]] = {}
        self.person_names: list[tuple[int, int, str, str | None]] = []  # start, para, full name, gender
        self.surnames: dict[str, str] = {}
        self.surname_at: dict[str, list[tuple[int, str]]] = {}  # word -> [(position, full name)]
        self.acronyms: dict[str, str] = {}  # "noaa" -> "National Oceanic and Atmospheric Administration"
        self.titled: list[tuple[int, str, str]] = []  # start, title alias, full name
        self.places: set[str] = set()
        self.orgs: list[tuple[int, str]] = []  # start, organisation name
        self.masked = text

    # ------------------------------------------------------------------ driver
    def run(self) -> list[Quote]:
        if not self.paras:
            return []
        self._find_direct()
        self._mask()
        self._scan_names()
        for pi in range(len(self.paras)):
            for s, e in self._sentences(pi):
                self._reported_in_sentence(s, e, pi)
        self._attribute_direct()
        cands = self._merge()
        self._resolve(cands)
        quotes = []
        for c in cands:
            if c.end <= c.start:
                continue
            quotes.append(
                Quote(c.start, c.end, c.kind, c.speaker, c.speaker_start, c.speaker_end, c.cue)  # type: ignore[arg-type]
            )
        return quotes

    def _opens_sentence(self, pos: int) -> bool:
        """Whether only "the" stands between the last sentence end and ``pos`` (a sentence's subject)."""
        before = self.text[max(0, pos - 200) : pos]
        cut = max(before.rfind(". "), before.rfind("! "), before.rfind("? "), before.rfind("\n"))
        return before[cut + 1 :].strip().lower() in {"", "the"}

    def _para_of(self, pos: int) -> int:
        import bisect

        return max(0, bisect.bisect_right(self.para_starts, pos) - 1)

    # ------------------------------------------------------------------ direct quotes
    def _mark_role(self, p: int, ps: int, pe: int) -> str:
        t = self.text
        ch = t[p]
        prev = t[p - 1] if p > ps else None
        q = p - 1
        while prev is not None and prev in _ZW and q > ps:
            q -= 1
            prev = t[q - 1] if q > ps else None
        nxt = t[p + 1] if p + 1 < pe else None
        left_open = _is_space(prev) or prev in _OPEN_CONTEXT  # type: ignore[operator]
        right_close = _is_space(nxt) or nxt in _CLOSE_CONTEXT  # type: ignore[operator]
        if ch in _DQ_OPEN:
            return "close" if (right_close and not left_open) else "open"
        if ch in _DQ_CLOSE:
            return "open" if (left_open and not right_close) else "close"
        if left_open and not right_close:
            return "open"
        if right_close and not left_open:
            return "close"
        return "ambig"

    def _find_direct(self) -> None:
        t = self.text
        marks: list[list[tuple[int, str]]] = []
        for ps, pe in self.paras:
            ms = []
            for i in range(ps, pe):
                if t[i] in _DQ:
                    ms.append((i, self._mark_role(i, ps, pe)))
            marks.append(ms)
        raw: list[tuple[int, int, bool]] = []  # start, end, closed
        open_at: int | None = None
        open_para = 0
        last_para_end = 0
        for pi, (ps, pe) in enumerate(self.paras):
            ms = marks[pi]
            skip_first = False
            if open_at is not None:
                lead = t[ps : ms[0][0]].strip(" \t" + _ZW) if ms else None
                too_long = pi - open_para >= _MAX_QUOTE_PARAS or pe - open_at > _MAX_QUOTE_CHARS
                if too_long:
                    cont = False
                elif ms and ms[0][1] in ("open", "ambig") and lead == "":
                    cont, skip_first = True, True  # English convention: re-opened paragraph
                elif ms and ms[0][1] in ("close", "ambig"):
                    cont = True  # quote runs over a line break and closes here
                elif not ms:
                    cont = self._closes_later(marks, pi, open_para)
                else:
                    cont = False
                if not cont:
                    raw.append((open_at, last_para_end, False))
                    open_at = None
            for k, (pos, role) in enumerate(ms):
                if skip_first and k == 0:
                    continue
                if open_at is None:
                    if role in ("open", "ambig"):
                        open_at, open_para = pos, pi
                elif role in ("close", "ambig"):
                    raw.append((open_at, pos + 1, True))
                    open_at = None
                else:  # a second opener: the first one was stray
                    if pi == open_para:
                        open_at = pos
                    else:
                        raw.append((open_at, last_para_end, False))
                        open_at, open_para = pos, pi
            last_para_end = pe
        if open_at is not None:
            raw.append((open_at, last_para_end, False))
        for s, e, _closed in raw:
            e = self._trim_end(s, e)
            if e - s >= 2:
                self.direct.append(_Cand(s, e, "direct", para=self._para_of(s)))
        self._find_single()
        self._find_posts()
        self.direct.sort(key=lambda c: c.start)

    def _find_posts(self) -> None:
        """Embedded social-media posts, which pages quote without marks but close with a
        signature line: '... pic.twitter.com/x — Jane Doe (@janedoe) May 1, 2018'. The post runs
        back over the lines before the signature, as far as a post's length allows."""
        t = self.text
        for pi, (ps, pe) in enumerate(self.paras):
            m = _SIGNATURE_RE.search(t, ps, pe)
            if m is None:
                continue
            name_s, name_e = m.start(1), m.end(1)
            end = m.start()
            while end > ps and t[end - 1].isspace():
                end -= 1
            if end <= ps and pi > 0:
                end = self.paras[pi - 1][1]  # the signature stands on a line of its own
            start = ps if end > ps else None
            total = end - ps
            k = pi
            while k > 0:
                qs, qe = self.paras[k - 1]
                line = t[qs:qe].strip()
                if (
                    total + len(line) > _MAX_POST_CHARS
                    or line.endswith(":")
                    or _SIGNATURE_RE.search(line)
                    or any(c.start < qe and qs < c.end and (c.start <= qs or c.end >= qe) for c in self.direct)
                ):
                    break
                total += len(line)
                start = qs
                k -= 1
            if start is None or end - start < 2:
                continue
            toks = _tokens(t, name_s, name_e)
            men = self._mention(toks, 0, len(toks) - 1) if toks else None
            if men is None:
                continue
            self.direct = [c for c in self.direct if not (start <= c.start and c.end <= max(end, m.end()))]
            q = _Cand(start, end, "block", mention=men, cue="post", para=self._para_of(start))
            self.direct.append(q)

    def _closes_later(self, marks: list[list[tuple[int, str]]], pi: int, open_para: int) -> bool:
        for pj in range(pi + 1, min(len(self.paras), open_para + _MAX_QUOTE_PARAS)):
            ms = marks[pj]
            if ms:
                lead = self.text[self.paras[pj][0] : ms[0][0]].strip(" \t" + _ZW)
                return ms[0][1] == "close" or (ms[0][1] == "ambig" and lead != "")
        return False

    def _trim_end(self, s: int, e: int) -> int:
        while e > s + 1 and (self.text[e - 1].isspace() or self.text[e - 1] in _ZW):
            e -= 1
        return e

    def _find_single(self) -> None:
        t = self.text
        taken = [(c.start, c.end) for c in self.direct]
        for ps, pe in self.paras:
            i = ps
            while i < pe:
                ch = t[i]
                if ch in "\u2018'" and not any(a <= i < b for a, b in taken):
                    prev = t[i - 1] if i > ps else None
                    nxt = t[i + 1] if i + 1 < pe else None
                    rest = t[i + 1 : i + 8].lower()
                    if (
                        (_is_space(prev) or prev in "([{\u2014\u2013-:;")  # type: ignore[operator]
                        and nxt is not None
                        and nxt.isalpha()
                        and not rest.startswith(_ELISIONS)
                    ):
                        j = self._single_close(i + 1, min(pe, i + 300))
                        if j is not None and not any(a <= j < b for a, b in taken):
                            self.direct.append(_Cand(i, j + 1, "direct", para=self._para_of(i)))
                            taken.append((i, j + 1))
                            i = j + 1
                            continue
                i += 1

    def _single_close(self, i: int, limit: int) -> int | None:
        t = self.text
        for j in range(i, limit):
            if t[j] in "\u2019'":
                prev = t[j - 1]
                nxt = t[j + 1] if j + 1 < len(t) else None
                if not prev.isspace() and (nxt is None or not nxt.isalnum()):
                    if (
                        prev == "s"
                        and nxt is not None
                        and nxt == " "
                        and j + 2 < len(t)
                        and t[j + 2].isalpha()
                        and t[j + 2].islower()
                    ):
                        continue  # plural possessive ("workers' rights")
                    return j
            if t[j] in "\n\r":
                return None
        return None

    # ------------------------------------------------------------------ masking / sentences
    def _mask(self) -> None:
        chars = list(self.text)
        for c in self.direct:
            for i in range(c.start, c.end):
                if chars[i] not in "\n\r\u2028\u2029\u0085":
                    chars[i] = _MASK
        self.masked = "".join(chars)

    def _quote_ending_at(self, pos: int) -> _Cand | None:
        for c in self.direct:
            if c.end == pos:
                return c
        return None

    def _sentences(self, pi: int) -> list[tuple[int, int]]:
        ps, pe = self.paras[pi]
        t, m = self.text, self.masked
        out = []
        s = ps
        i = ps
        while i < pe:
            ch = m[i]
            boundary = False
            if ch in ".!?\u2026":
                j = i + 1
                while j < pe and m[j] in ".!?\"'\u2019)":
                    j += 1
                if j >= pe:
                    break
                if m[j].isspace():
                    k = j
                    while k < pe and m[k].isspace():
                        k += 1
                    nxt = m[k] if k < pe else ""
                    if nxt and (nxt.isupper() or nxt.isdigit() or nxt == _MASK or nxt in _DQ + "\u2018"):
                        w = re.search(r"([\w.]+)$", m[s:i])
                        word = (w.group(1) if w else "").lower()
                        if ch != "." or not (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
                            boundary = True
                            i = j
            elif ch == _MASK and (i + 1 >= pe or m[i + 1] != _MASK):
                # end of a masked quote: a sentence ends here if its content ended with . ! ?
                k = i
                while k > ps and t[k] in _DQ + "\u2019'":
                    k -= 1
                if t[k] in ".!?" and i + 1 < pe and m[i + 1].isspace():
                    k2 = i + 1
                    while k2 < pe and m[k2].isspace():
                        k2 += 1
                    if k2 < pe and (m[k2].isupper() or m[k2] == _MASK):
                        boundary = True
                        i = i + 1
            if boundary:
                out.append((s, i))
                while i < pe and m[i].isspace():
                    i += 1
                s = i
                continue
            i += 1
        if s < pe:
            out.append((s, pe))
        return out

    # ------------------------------------------------------------------ names
    def _headline_paras(self) -> list[tuple[int, int]]:
        """Paragraphs in title case without a full stop (headlines, crossheads): capitalised
        words there are not names ("Trump Vows to Kick ...")."""
        out = []
        for ps, pe in self.paras:
            seg = self.text[ps:pe].strip()
            words = re.findall(r"[^\W\d_][\w'\u2019-]*", seg)
            long_words = [w for w in words if len(w) >= 4]
            if len(words) < 4 or seg.endswith((".", "?", "!", ".\u201d", '."')) or not long_words:
                continue
            if sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.7:
                out.append((ps, pe))
        return out

    def _full_name(self, word: str, pos: int) -> str | None:
        """The full name a surname (or first name) stands for at ``pos``: the nearest earlier
        full name with that word, else the first later one."""
        seen = self.surname_at.get(word.lower())
        if not seen:
            return None
        before = [full for p, full in seen if p <= pos]
        return before[-1] if before else seen[0][1]

    def _scan_names(self) -> None:
        """Register person names (for surnames, titles and pronoun fallback), places,
        organisation names and acronyms ("Full Name (ACR)") mentioned anywhere in the text."""
        toks = _tokens(self.masked, 0, len(self.masked))
        n = len(toks)
        heads = self._headline_paras()

        def in_headline(pos: int) -> bool:
            return any(a <= pos < b for a, b in heads)

        runs: list[tuple[int, list[_Tok]]] = []
        i = 0
        while i < n:
            if not toks[i].is_cap or not toks[i].is_word:
                i += 1
                continue
            j = i
            while j < n:
                if toks[j].is_word and toks[j].is_cap:
                    j += 1
                    if j < n and toks[j].text == "." and toks[j - 1].low in _ABBREVIATIONS:
                        j += 1
                elif toks[j].low in {"of", "for", "and", "&"} and j + 1 < n and toks[j + 1].is_cap and j > i:
                    j += 1
                elif (
                    toks[j].low in {"of", "for"}
                    and j + 2 < n
                    and toks[j + 1].low == "the"
                    and toks[j + 2].is_cap
                    and j > i
                ):
                    j += 2
                else:
                    break
            run = [t for t in toks[i:j] if t.text != "."]
            while run and (
                run[0].low in _DETERMINERS
                or run[0].low in _POSSESSIVE_DETS
                or run[0].low in _FUNCTION_WORDS
                or run[0].low in _LEADING_SKIP
                or run[0].low in _ADVERB_OPENERS
                or run[0].low in _QUANTITY
            ):
                run = run[1:]
            while run and run[-1].low in {"of", "for", "and", "&", "the"}:
                run = run[:-1]
            prev = toks[i - 1].low if i > 0 else ""
            if prev in {"in", "at", "near", "across", "into", "outside", "inside"}:
                self.places.add(" ".join(t.low for t in run))
                if len(run) == 1:
                    self.places.add(run[0].low)
            # acronym defined in brackets: "the National Oceanic and Atmospheric Administration (NOAA)"
            if (
                len(run) >= 2
                and j + 2 < n
                and toks[j].text == "("
                and toks[j + 2].text == ")"
                and re.fullmatch(r"[A-Z][A-Za-z]{1,7}", toks[j + 1].text)
                and toks[j + 1].text[0] == run[0].text[0]
            ):
                self.acronyms[toks[j + 1].low] = _norm_name(run)
            # organisation names: "US embassy", "San Antonio police"; "Acme Corp", "Harbour Authority"
            k = j
            while k < n and toks[k].low in _ORG_NOUNS and toks[k].text.islower():
                k += 1
            if k > j and run:  # not "A team": the capitalised part must name something
                self.orgs.append((run[0].start, _norm_name(run + [t for t in toks[j:k] if t.text != "."])))
            elif len(run) >= 2 and run[-1].low.rstrip(".") in _ORG_HEADS:
                self.orgs.append((run[0].start, _norm_name(run)))
            if run and not in_headline(run[0].start):
                # coordinated names are registered one by one: "Nancy Pelosi and Chuck Schumer"
                if any(t.low in {"and", "&"} for t in run) and not any(t.low in _ORG_HEADS for t in run):
                    part: list[_Tok] = []
                    for t in run + [None]:  # type: ignore[list-item]
                        if t is None or t.low in {"and", "&"}:
                            if part:
                                runs.append((i, part))
                            part = []
                        else:
                            part.append(t)
                elif not any(t.low in {"and", "&"} for t in run):
                    runs.append((i, run))
            i = max(j, i + 1)
        for _i, run in runs:
            titles = [k for k, t in enumerate(run) if t.low.rstrip(".") in _TITLES]
            name = run[titles[-1] + 1 :] if titles else run
            if name and name[0].low in {"of", "for"}:
                rest = [t for t in name[1:] if t.low != "the"]
                name = rest[-2:] if len(rest) >= 3 else []
            name = [t for t in name if t.low not in {"of", "for"}]
            words = [t.low.removesuffix("'s") for t in name]
            if (
                titles
                and len(name) == 1
                and titles[-1] == len(run) - 2
                and run[titles[-1]].low in _NAME_TITLES
                and words[0] not in _NOT_PERSON_WORDS
            ):
                # "Pope Francis", "King Salman": the title is part of how the person is named
                full = _norm_name([run[titles[-1]], name[0]]).removesuffix("'s")
                self.titled.append((name[0].start, run[titles[-1]].low, full))
                self.surname_at.setdefault(words[0], []).append((name[0].start, full))
                continue
            if titles and len(name) == 1 and titles[-1] == len(run) - 2 and words[0] not in _NOT_PERSON_WORDS:
                title = run[titles[-1]].low.rstrip(".")
                if title not in {"former", "then", "ex", "acting", "deputy", "top", "senior", "junior", "interim"}:
                    self.titled.append(
                        (name[0].start, _TITLE_ALIASES.get(title, title), _norm_name(name).removesuffix("'s"))
                    )
            if not (2 <= len(name) <= 4) or any(w in _ORG_NOUNS or w in _TIME_WORDS or w in _COUNTRIES for w in words):
                continue
            if any(t.text.isupper() and len(t.text) > 1 for t in name) or any(w in _FUNCTION_WORDS for w in words):
                continue
            if any(w in _NOT_PERSON_WORDS or w in _VERBS or w in _ORG_HEADS for w in words):
                continue
            if " ".join(words) in self.places:
                continue
            full = _norm_name(name).removesuffix("'s")
            gender = _gender_of_name(full)
            self.person_names.append((name[0].start, self._para_of(name[0].start), full, gender))
            self.surnames[words[-1]] = full
            self.surnames.setdefault(words[0], full)
            self.surname_at.setdefault(words[-1], []).append((name[0].start, full))
            if words[0] != words[-1]:
                self.surname_at.setdefault(words[0], []).append((name[0].start, full))
            if titles:
                title = run[titles[-1]].low.rstrip(".")
                self.titled.append((name[0].start, _TITLE_ALIASES.get(title, title), full))
        # single-token mentions of known surnames ("Kavanaugh, 53, denied ..."), not modifiers
        # ("the Mueller report", "Mueller probe")
        pos_of = {t.start: k for k, t in enumerate(toks)}
        for _i, run in runs:
            if len(run) == 1:
                w = run[0].low.removesuffix("'s")
                known = self._full_name(w, run[0].start)
                if known is None or w in self.places:
                    continue
                k = pos_of.get(run[0].start, -1)
                nxt = toks[k + 1] if 0 <= k < n - 1 else None
                prv = toks[k - 1] if k > 0 else None
                if (
                    not run[0].low.endswith("'s")
                    and nxt is not None
                    and nxt.is_word
                    and nxt.text.islower()
                    and nxt.low not in _FUNCTION_WORDS
                    and nxt.low not in _VERBS
                    and not _is_finite(nxt)
                    and not nxt.low.endswith("ly")
                ):
                    continue  # a modifier: "Mueller probe"
                if prv is not None and prv.low == "the":
                    continue
                self.person_names.append((run[0].start, self._para_of(run[0].start), known, _gender_of_name(known)))
        self.person_names.sort()

    # ------------------------------------------------------------------ noun phrases
    def _np_back(self, toks: list[_Tok], j: int) -> tuple[int, int]:
        """Noun phrase ending at token ``j`` (inclusive), scanning backwards: (first, last)."""
        if j < 0:
            return (0, -1)
        last = j
        t = toks[j]
        if t.low in _PRONOUNS:
            return (j, j)
        if t.text == ")":  # "Rep. Scott Perry (R-Pa.)", "the National Oceanic ... Administration (NOAA)"
            k = j
            while k >= 0 and toks[k].text != "(" and j - k < 8:
                k -= 1
            if k > 0 and toks[k].text == "(":
                j = k - 1
                last = j
                if j < 0:
                    return (0, -1)
                t = toks[j]

        def nounish(w: _Tok) -> bool:
            lw = w.low
            return w.is_word and (
                w.is_cap
                or lw in _ORG_NOUNS
                or lw in _TITLES
                or _is_person_noun(lw)
                or lw.endswith("'s")
                or lw in _DOCUMENT_NOUNS
            )

        if not nounish(t) and not (t.low in _PLACE_NOUNS and j > 1 and toks[j - 1].low == "the"):
            return (j + 1, j)
        generic_head = not t.is_cap
        k = j
        while k >= 0:
            w = toks[k]
            lw = w.low
            if nounish(w):
                k -= 1
                continue
            if w.text == "." and k > 0 and toks[k - 1].low in _ABBREVIATIONS:
                k -= 1
                continue
            nxt = toks[k + 1] if k + 1 <= j else None
            if nxt is not None and nxt.low == "the" and k + 2 <= j:
                nxt = toks[k + 2]
            if (
                lw in {"of", "in", "for", "de", "van", "von", "bin", "al", "del", "la", "le", "da", "at", "on"}
                and k > 0
                and nxt is not None
                and (
                    (toks[k - 1].is_cap or toks[k - 1].low in _ORG_NOUNS)
                    and nxt.is_cap
                    or (
                        lw in {"of", "for", "at"}
                        and (_is_person_noun(toks[k - 1].low) or toks[k - 1].low in _TITLES)
                        and nounish(nxt)
                    )
                )
            ):
                k -= 1
                continue
            if lw == "the" and k > 1 and toks[k - 1].low in {"of", "for"} and k + 1 <= j and toks[k + 1].is_cap:
                k -= 1  # "Justice Department for the Southern District of Ohio"
                continue
            if (
                lw == "the"
                and k > 1
                and toks[k - 1].low in {"in", "at", "from"}
                and (_is_person_noun(toks[k - 2].low) or toks[k - 2].low in _TITLES)
                and k + 1 <= j
                and (toks[k + 1].low in _PLACE_NOUNS or toks[k + 1].is_cap)
            ):
                k -= 2  # "Officials in the capital"
                continue
            if (
                lw in {"and", "&"}
                and k > 0
                and nxt is not None
                and (
                    toks[k - 1].is_cap
                    and nxt.is_cap
                    or (not generic_head and False)
                    or (generic_head and nounish(toks[k - 1]) and not toks[k - 1].is_cap and nounish(nxt))
                )
            ):
                k -= 1  # "National Oceanic and Atmospheric Administration", "Tanya and Jason Badger"
                continue
            if w.text in "-&" and k > 0 and toks[k - 1].is_word:
                k -= 1
                continue
            if lw in _DETERMINERS or lw in _POSSESSIVE_DETS or lw in _QUANTITY:
                k -= 1
                break
            if (
                w.is_word
                and w.text.islower()
                and lw not in _FUNCTION_WORDS
                and lw not in _VERBS
                and (
                    generic_head
                    or lw in _TITLES
                    or (k + 1 <= j and toks[k + 1].text.islower() and toks[k + 1].low in _TITLES)
                )
                and len(lw) > 1
            ):
                k -= 1  # adjectives of a description: "former congressional aide", "law professor"
                continue
            if w.is_word and w.text[:1].isdigit():
                k -= 1
                break
            break
        return (k + 1, last)

    def _np_forward(self, toks: list[_Tok], i: int) -> tuple[int, int]:
        """Noun phrase starting at token ``i``: (first, last); empty when last < first."""
        n = len(toks)
        if i >= n:
            return (i, i - 1)
        if toks[i].low in _PRONOUNS:
            return (i, i)
        k = i
        if toks[k].low in _QUANTITY and k + 1 < n and toks[k + 1].low == "of":
            k += 2  # "Thousands of lecturers", "one of the attorneys"
            if k < n and toks[k].low == "the":
                k += 1
        elif (
            toks[k].low in _DETERMINERS
            or toks[k].low in _POSSESSIVE_DETS
            or toks[k].low in _QUANTITY
            or (toks[k].text[:1].isdigit() and not _YEAR_OLD_RE.match(toks[k].low))
        ):
            k += 1
        start_head = k
        seen_noun = False
        while k < n:
            w = toks[k]
            lw = w.low
            if w.is_word and w.is_cap:
                k += 1
                seen_noun = True
                if k < n and toks[k].text == "." and toks[k - 1].low in _ABBREVIATIONS:
                    k += 1
                continue
            if w.is_word and w.text[:1].isdigit() and k > start_head and toks[k - 1].is_cap:
                k += 1  # "KENS 5"
                continue
            if _is_person_noun(lw) or lw in _ORG_NOUNS or lw in _TITLES or lw in _DOCUMENT_NOUNS:
                k += 1
                seen_noun = True
                continue
            nxt = toks[k + 1] if k + 1 < n else None
            if nxt is not None and nxt.low == "the" and k + 2 < n:
                nxt = toks[k + 2]
            if (
                lw in {"of", "in", "for", "de", "van", "von", "bin", "al", "del", "at"}
                and seen_noun
                and nxt is not None
                and nxt.is_cap
            ):
                k += 2 if toks[k + 1].low == "the" else 1
                continue
            if (
                lw in {"and", "&"}
                and seen_noun
                and k > start_head
                and toks[k - 1].is_cap
                and nxt is not None
                and nxt.is_cap
            ):
                k += 1  # "National Oceanic and Atmospheric Administration"
                continue
            if w.text == "(":
                m = k
                while m < n and toks[m].text != ")" and m - k < 8:
                    m += 1
                if m < n and toks[m].text == ")":
                    k = m + 1
                    continue
                break
            if (
                not seen_noun
                and w.is_word
                and w.text.islower()
                and lw not in _FUNCTION_WORDS
                and lw not in _VERBS
                and k - start_head < 4
            ):
                # adjectives before a generic head: "two other unidentified women"
                look = k + 1
                while (
                    look < n
                    and look - k < 4
                    and toks[look].low not in _GENERIC_NOUNS
                    and toks[look].low not in _ORG_NOUNS
                    and toks[look].is_word
                    and toks[look].text.islower()
                ):
                    look += 1
                if look < n and (toks[look].low in _GENERIC_NOUNS or toks[look].low in _ORG_NOUNS or toks[look].is_cap):
                    k += 1
                    continue
            break
        last = k - 1
        while last >= i and toks[last].text in "(),.-":
            last -= 1
        if not seen_noun:
            return (i, i - 1)
        return (i, last)

    def _mention(self, toks: list[_Tok], a: int, b: int) -> _Mention | None:
        """Classify tokens ``a..b`` (inclusive) as a speaker mention."""
        if b < a or a < 0:
            return None
        seg = [t for t in toks[a : b + 1] if t.text != "."]
        # drop parentheticals
        out: list[_Tok] = []
        depth = 0
        for t in seg:
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth = max(0, depth - 1)
            elif depth == 0:
                out.append(t)
        seg = out
        # sentence adverbs glued to the front: "Here is what ...", "Again Fox adds"
        while seg and seg[0].low in _ADVERB_OPENERS and (len(seg) > 1 or seg[0].is_cap):
            seg = seg[1:]
        if not seg:
            return None
        start, end = seg[0].start, seg[-1].end
        text = self.text[start:end]
        low0 = seg[0].low
        if len(seg) == 1 and low0 in _PRONOUNS:
            return _Mention("pronoun", text, start, end, head=low0, plural=low0 == "they")
        words_all = [t for t in seg if t.is_word]
        if len(words_all) >= 2 and all(t.text.isupper() for t in words_all):
            # shouted headline text ("ACCORDING TO FEDERAL COURT DOCUMENTS"): no name in it
            return _Mention("generic", text, start, end, person=None, head=words_all[-1].low)
        # "and": coordinated speakers ("Tanya and Jason Badger", "Nancy Pelosi and Chuck Schumer")
        ands = [k for k, t in enumerate(seg) if t.low in {"and", "&"} and 0 < k < len(seg) - 1]
        one_org = (
            bool(ands)
            and (seg[-1].low in _ORG_HEADS or seg[-1].low in _ORG_NOUNS)
            and not any(t.low.rstrip(".") in _TITLES for t in seg[: ands[0]])
        )
        if ands and seg[-1].is_cap and not one_org:
            k = ands[0]
            if k == 1 and len(seg) == 4 and seg[0].is_cap and seg[2].is_cap:  # "Tanya and Jason Badger"
                full = _norm_name(seg)
                return _Mention("name", text, start, end, canonical=full, person=True, plural=True)
            left = self._mention_parts(seg[:k])
            right = self._mention_parts(seg[k + 1 :])
            parts = [m for m in (left, right) if m is not None and m.canonical]
            if len(parts) == 2 and all(m.kind == "name" for m in parts):
                full = f"{parts[0].canonical} and {parts[1].canonical}"
                return _Mention("name", text, start, end, canonical=full, person=True, plural=True)
            if parts:
                m = parts[0]
                return _Mention(m.kind, text, start, end, canonical=m.canonical, person=m.person, plural=True)
        elif ands and not seg[-1].is_cap:
            left = self._mention_parts(seg[: ands[0]])
            if left is not None and left.kind in ("name", "org") and left.canonical:
                # "The White House and President Trump's lawyers"
                return _Mention(left.kind, text, start, end, canonical=left.canonical, person=left.person, plural=True)
            return _Mention("generic", text, start, end, person=True, head=seg[-1].low, plural=True)
        whole = self._mention_parts(seg)
        if whole is None:
            return None
        whole.text, whole.start, whole.end = text, start, end
        return whole

    def _mention_parts(self, seg: list[_Tok]) -> _Mention | None:
        """Classify a mention without parentheticals or coordination."""
        if not seg:
            return None
        start, end = seg[0].start, seg[-1].end
        text = self.text[start:end]
        low0 = seg[0].low
        if len(seg) == 1 and low0 in _PRONOUNS:
            return _Mention("pronoun", text, start, end, head=low0, plural=low0 == "they")
        for k in range(1, len(seg)):
            if seg[k].low in {"in", "near", "outside", "across", "inside", "on"} and (
                _is_person_noun(seg[k - 1].low) or seg[k - 1].low in _TITLES
            ):
                seg = seg[:k]
                break
        det = None
        if low0 in _QUANTITY:
            det = low0
            seg = seg[1:]
            if seg and seg[0].low == "of":
                seg = seg[1:]
                if seg and seg[0].low in {"the", "these", "those", "them", "us"}:
                    seg = seg[1:]
            if not seg:
                return _Mention("generic", text, start, end, person=True, head=low0, plural=True)
            head = seg[-1].low
            if not seg[-1].is_cap or _is_person_noun(head):
                # "Thousands of lecturers", "Many neighbors", "one of the attorneys"
                return _Mention("generic", text, start, end, person=True, head=head, plural=True)
            low0 = seg[0].low
        if det is None and (low0 in _DETERMINERS or low0 in _POSSESSIVE_DETS or seg[0].text[:1].isdigit()):
            if not _YEAR_OLD_RE.match(low0):
                det = low0
                seg = seg[1:]
        if not seg:
            return None
        # "the country's Ministry of Health": a common-noun possessive before a name
        if len(seg) >= 2 and seg[0].low.endswith("'s") and seg[0].text.islower() and seg[1].is_cap:
            seg = seg[1:]
        words = [t.low for t in seg]
        # a sentence-initial capital on a common noun ("Authorities said", "Police Chief ...")
        common0 = (
            det is None
            and seg[0].is_cap
            and (_is_person_noun(seg[0].low) or seg[0].low in _TITLES)
            and seg[0].low not in _ORG_NOUNS
            and (len(seg) == 1 or not seg[1].is_cap)
        )
        caps = [t for k, t in enumerate(seg) if t.is_cap and not (k == 0 and common0 and t.low not in _TITLES)]
        if common0 and seg[0].low not in _TITLES:
            caps = [t for t in caps if t is not seg[0]]
        titles = [
            k
            for k, t in enumerate(seg)
            if t.low.rstrip(".") in _TITLES and not (k > 0 and t.is_cap and seg[k - 1].low in {"of", "for", "and"})
        ]
        plural = seg[-1].low.endswith("s") and _is_person_noun(seg[-1].low) and not seg[-1].is_cap
        if not caps or (common0 and len(seg) == 1):
            head = words[-1]
            gender = (
                "f" if any(w in _FEMALE_NOUNS for w in words) else "m" if any(w in _MALE_NOUNS for w in words) else None
            )
            kind = "definite" if det == "the" or det is None else "generic"
            person = head not in _ORG_NOUNS or head in {"police", "prosecutors"}
            person_or_none: bool | None = person
            if head in _INSTITUTIONS | {"restaurant", "firm", "chain", "network", "station", "newspaper", "website"}:
                person_or_none = False
            if head in _DOCUMENT_NOUNS:
                person_or_none = None
            return _Mention(
                kind, text, start, end, person=person_or_none, gender=gender, head=head,
                plural=plural or head in {"couple", "family", "families"},
            )  # fmt: skip
        # an unnamed member of a named organisation: "Analysts at Barclays", "lawyers for the White House"
        for k, t in enumerate(seg):
            if k == 0 or t.low not in {"at", "of", "for", "from", "with"}:
                continue
            before = seg[:k]
            if all(
                (not w.is_cap or (i == 0 and common0))
                and (w.low in _TITLES or _is_person_noun(w.low) or w.text.islower())
                for i, w in enumerate(before)
            ) and (_is_person_noun(before[-1].low) or before[-1].low in _TITLES):
                rest = [w for w in seg[k + 1 :] if w.low not in {"the"}]
                if rest and rest[0].is_cap:
                    return _Mention("org", text, start, end, canonical=_norm_name(rest), person=False)
            break
        # possessive: "Franken's office" (organisation) / "CNN's suit" (CNN) / "Kavanaugh's friend" (unnamed)
        if seg[0].low.endswith("'s") and len(seg) >= 2 and not seg[-1].is_cap:
            owner = _norm_name(seg[:1]).removesuffix("'s")
            if seg[-1].low in _DOCUMENT_NOUNS or seg[-1].low in {"spokesman", "spokeswoman", "spokesperson"}:
                return _Mention("org", text, start, end, canonical=owner, person=None)
            if seg[-1].low in _ORG_NOUNS:
                return _Mention("org", text, start, end, canonical=_norm_name(seg), person=False)
            return _Mention("generic", text, start, end, person=True, head=seg[-1].low, plural=plural)
        if seg[-1].low in _DOCUMENT_NOUNS and seg[-1].text.islower() and len(seg) >= 2 and seg[-2].is_cap:
            # "The Pioneer Press account", "a White House statement": whoever issued it
            seg = seg[:-1]
            while seg and seg[-1].low.endswith("'s") is False and not seg[-1].is_cap:
                seg = seg[:-1]
            return _Mention("org", text, start, end, canonical=_norm_name(seg).removesuffix("'s"), person=False)
        if seg[-1].low in _ORG_NOUNS and seg[-1].is_cap:
            titles = []
        name = seg[titles[-1] + 1 :] if titles else seg
        if titles and name and name[0].low in {"of", "for", "in", "at", "on", "from", "with"}:
            # "Secretary of State Mike Pompeo" (a name follows) / "MP for Leeds Central" (an affiliation)
            prep = name[0].low
            rest = [t for t in name[1:] if t.low != "the"]
            if prep in {"of", "for"} and len(rest) >= 3 and all(t.is_cap for t in rest):
                name = rest[-2:]
            else:
                name = []
        name = [
            t
            for t in name
            if t.is_cap or t.text[:1].isdigit() or t.low in {"of", "in", "for", "de", "van", "von", "bin", "al", "del"}
        ]
        while name and name[0].low in {"of", "in", "for"}:
            name = name[1:]
        org_words = [w for w in words if w.removesuffix("'s") in _ORG_NOUNS]
        if seg[-1].is_cap and len(seg) >= 2 and seg[-1].low in _ORG_HEADS:
            org_words.append(seg[-1].low)  # "Northstar Motors", "Acme Holdings"
        if titles and name and not any(t.low in _ORG_NOUNS for t in name):
            full = _norm_name(name)
            title = seg[titles[-1]].low.rstrip(".")
            if not all(t.low in _NOT_PERSON_WORDS for t in name):
                return _Mention(
                    "name",
                    text,
                    start,
                    end,
                    canonical=full,
                    person=True,
                    gender=_gender_of_name(full),
                    head=_TITLE_ALIASES.get(title, title),
                )
            name = []
        if titles and not name:
            pre: list[_Tok] = []
            k = titles[-1] - 1
            while k >= 0 and seg[k].is_cap and not (common0 and k == 0):
                pre.insert(0, seg[k])
                k -= 1
            if len(pre) == 1 and pre[0].low in _NOT_PERSON_WORDS:
                pre = []  # "a Democratic aide": a party adjective, not an organisation
            if pre:  # "An FBI official" -> FBI; "A senior Justice Department official" -> Justice Department
                return _Mention("org", text, start, end, canonical=_norm_name(pre), person=False)
            return _Mention(
                "generic" if det not in {"the"} else "definite", text, start, end, person=True, head=seg[titles[-1]].low
            )
        # organisation or plain name; cut a trailing "in <Place>" from organisation names
        core = seg
        for k, t in enumerate(seg):
            if t.low in {"in", "at", "on"} and k > 0:
                core = seg[:k]
                break
        if not seg[-1].is_cap and _is_person_noun(seg[-1].low) and seg[-1].low not in _ORG_NOUNS:
            # "A Texas teen", "the Democratic senator", "New Mexico authorities": an unnamed person
            kind = "definite" if det == "the" else "generic"
            return _Mention(kind, text, start, end, person=True, head=seg[-1].low, plural=plural)
        if (
            org_words
            or det == "the"
            or any(t.text.isupper() and len(t.text) > 1 for t in core)
            or (len(core) == 1 and core[0].low in _COUNTRIES)
        ):
            canon = _norm_name(core)
            is_plural = det == "the" and len(core) == 1 and core[0].low.endswith("s") and core[0].is_cap
            return _Mention(
                "org", text, start, end, canonical=canon, person=None if is_plural else False, plural=is_plural
            )
        full = _norm_name(core).removesuffix("'s")
        return _Mention("name", text, start, end, canonical=full, person=None, gender=_gender_of_name(full))

    def _sentence_subject(self, toks: list[_Tok], upto: int) -> tuple[int, int]:
        """First noun phrase of the sentence (skipping leading adverbials and quotes)."""
        i = 0
        while i < upto and (toks[i].is_quote or not toks[i].is_word):
            i += 1
        # leading "According to X," / "On Friday," / "In a statement following that accusation,"
        if i < upto and toks[i].low in {"and", "but", "so", "yet", "then", "also", "still"} and toks[i].is_cap:
            i += 1
        elif i < upto and (toks[i].low in _LEADING_SKIP or toks[i].low == "according"):
            for k in range(i + 1, min(upto, i + 14)):
                if toks[k].text == ",":
                    i = k + 1
                    break
        while i < upto and (toks[i].is_quote or not toks[i].is_word):
            i += 1
        if i >= upto:
            return (0, -1)
        a, b = self._np_forward(toks, i)
        if b >= upto:
            b = upto - 1
        return (a, b)

    # ------------------------------------------------------------------ reported speech
    def _skip_adverbials(self, toks: list[_Tok], a: int) -> int:
        n = len(toks)
        while a < n:
            lw = toks[a].low
            if lw in _AUX_ADV and lw not in {
                "is",
                "was",
                "are",
                "were",
                "be",
                "been",
                "has",
                "have",
                "had",
                "will",
                "would",
                "could",
                "not",
                "did",
                "does",
                "do",
            }:
                a += 1
            elif lw in _TIME_WORDS and not (
                lw in _MONTHS and not (a + 1 < n and (toks[a + 1].text[:1].isdigit() or toks[a + 1].text == ","))
            ):
                a += 1
            elif (
                lw in {"on", "last", "this", "earlier", "late", "early"}
                and a + 1 < n
                and toks[a + 1].low in _TIME_WORDS
            ):
                a += 2
            elif lw in {"in", "on", "during", "at", "via", "through", "after", "before", "over", "to"} and a + 1 < n:
                # a medium phrase: "in a statement", "on its Facebook page", "during an interview with X"
                end = None
                for k in range(a + 1, min(n, a + 8)):
                    w = toks[k]
                    if w.low in _MEDIUM_NOUNS:
                        end = k
                    if not w.is_word or w.low in {"that"}:
                        break
                if end is None:
                    x, y = self._np_forward(toks, a + 1)
                    if (
                        y >= x
                        and y + 1 < n
                        and toks[y + 1].low == "that"
                        and toks[x + (1 if toks[x].low in _DETERMINERS else 0)].is_cap
                    ):
                        a = y + 1  # "writes in The Atlantic that"
                        continue
                    break
                a = end + 1
                if a < n and toks[a].low == "with":  # "in an interview with Fox News"
                    x, y = self._np_forward(toks, a + 1)
                    if y >= x:
                        a = y + 1
            elif lw == "," and a + 1 < n and toks[a + 1].low in _TIME_WORDS:
                a += 2
            elif lw in {"from", "since", "throughout", "for", "again", "once"} and any(
                toks[k].low == "that" for k in range(a + 1, min(n, a + 6))
            ):
                k = next(k for k in range(a + 1, min(n, a + 6)) if toks[k].low == "that")
                if all(
                    toks[m].is_word and (toks[m].low not in _VERBS or toks[m - 1].low == "the") for m in range(a + 1, k)
                ):
                    a = k  # "insisted from the beginning that"
                else:
                    break
            else:
                break
        return a

    def _reported_in_sentence(self, s: int, e: int, pi: int) -> None:
        toks = _tokens(self.masked, s, e)
        n = len(toks)
        if n < 3:
            return
        found: list[tuple[int, _Cand]] = []  # (priority, cand)
        covered: list[tuple[int, int]] = []  # token ranges of accepted clauses

        def inside(k: int) -> bool:
            return any(a <= k <= b for a, b in covered)

        for v in range(n):
            tok = toks[v]
            if inside(v):
                continue
            if tok.low == "according" and v + 1 < n and toks[v + 1].low == "to":
                self._according(toks, v, pi, found, covered)
                continue
            entry = _VERBS.get(tok.text)
            if entry is None:
                continue
            lemma, cls = entry
            if v > 0 and (
                toks[v - 1].low in _POSSESSIVE_DETS
                or toks[v - 1].low in {"the", "a", "an"}
                or toks[v - 1].low.endswith("'s")
            ):
                continue  # a noun: "the claims", "his note"
            is_ing = tok.text.endswith("ing")
            no_inversion = lemma in _OBJECT_VERBS or cls == "as"  # '", told ABC News.': ABC News listened
            if v > 0 and (toks[v - 1].text == "," or toks[v - 1].is_quote) and not is_ing and not no_inversion:
                # inverted attribution: '", said X.' / '..., says X, chief counsel'
                x, y = self._np_forward(toks, v + 1)
                if y >= x and toks[x].low not in _PRONOUNS:
                    inv = self._mention(toks, x, y)
                    rest = self._skip_adverbials(toks, y + 1)
                    if inv is not None and (rest >= n or toks[rest].text in ",.!?;:"):
                        self._postposed(toks, v - 1, v, y, inv, tok.text, pi, found, covered, s, e)
                        continue
            # subject
            j = v - 1
            passive = False
            progressive = False
            while j >= 0 and (
                toks[j].low in _AUX_ADV
                or (toks[j].low.endswith("ly") and toks[j].text.islower() and toks[j].low not in {"only", "early"})
                or (toks[j].low == "only" and j > 0 and toks[j - 1].low == "not")
            ):
                passive = passive or toks[j].low in {"heard", "quoted"}
                progressive = progressive or toks[j].low in {"is", "was", "are", "were", "been", "be"}
                j -= 1
            if j >= 1 and toks[j].low in _TIME_WORDS and toks[j - 1].low == "on":
                j -= 2
                while j >= 0 and toks[j].low in _AUX_ADV:
                    j -= 1
            if j >= 2 and toks[j].low in _TIME_WORDS and toks[j - 1].text.islower() and toks[j - 1].low.endswith("ed"):
                j -= 2  # "CNN's suit filed Tuesday says"
            if j >= 0 and toks[j].low == "as" and passive:
                j -= 1
                while j >= 0 and toks[j].low in _AUX_ADV:
                    j -= 1
            if (
                progressive
                and not is_ing
                and not passive
                and any(
                    toks[m].low in {"is", "was", "are", "were", "been", "be", "being"} for m in range(max(0, j + 1), v)
                )
            ):
                # passive voice: "was told (by X) that ...", "was charged with ...", "is said to be"
                self._passive_report(toks, v, pi, found, covered)
                continue
            a_np, b_np = (0, -1)
            mention: _Mention | None = None
            coordinated = False
            if is_ing and not passive and not progressive:
                coordinated = True
            elif j >= 0 and toks[j].is_quote and cls not in {"direct", "as"}:
                coordinated = True  # 'A woman described as a "..." told ...': use the sentence subject
            elif j >= 0 and toks[j].low in {"and", "but", "then"}:
                coordinated = True
            elif (
                j >= 0
                and toks[j].text == ","
                and lemma
                in {"say", "tell", "write", "add", "note", "explain", "insist", "argue", "claim", "warn", "stress"}
            ):
                # appositive "Heather Nauert, the spokeswoman, said" or inversion ", said X."
                mention, a_np, b_np = self._appositive(toks, j)
            else:
                a_np, b_np = self._np_back(toks, j)
                complementizer = (
                    a_np > 1
                    and toks[a_np - 1].low == "that"
                    and any(
                        toks[q].text in _VERBS and _VERBS[toks[q].text][1] in {"free", "that"}
                        for q in range(max(0, a_np - 5), a_np - 1)
                    )
                )
                if b_np >= a_np and a_np > 0 and toks[a_np - 1].low in _RELATIVE and not complementizer:
                    continue  # "which he said", "what it said was"
                if b_np >= a_np and a_np > 1 and toks[a_np - 1].low in _RELATIVE - {"that"}:
                    continue
                if (
                    b_np >= a_np
                    and a_np > 0
                    and toks[a_np - 1].is_word
                    and toks[a_np - 1].text.islower()
                    and toks[a_np - 1].low not in _FUNCTION_WORDS | _CLAUSE_CUT_CONJ
                ):
                    coordinated = True  # the NP is an object: 'A teen who supports President X says'
                elif b_np >= a_np:
                    mention = self._mention(toks, a_np, b_np)
            if j >= 0 and toks[j].low in _RELATIVE and not coordinated:
                continue  # "who says", "which claims"
            if coordinated:
                sa, sb = self._subject_before(toks, v)
                mention = self._mention(toks, sa, sb) if sb >= sa else None
                a_np, b_np = sa, sb
            # after the verb
            a = self._skip_adverbials(toks, v + 1)
            if lemma in _OBJECT_VERBS and a < n and toks[a].low not in {"that", ","}:
                a = self._skip_object(toks, a)
                a = self._skip_adverbials(toks, a)
            has_that = a < n and toks[a].low == "that"
            if has_that:
                a += 1
            # inverted attribution: '", said X.' / '..., says X, chief counsel'
            if mention is None and v > 0 and toks[v - 1].text == "," and not coordinated and not no_inversion:
                x, y = self._np_forward(toks, v + 1)
                if y >= x:
                    inv = self._mention(toks, x, y)
                    rest = self._skip_adverbials(toks, y + 1)
                    if inv is not None and (rest >= n or toks[rest].text in ",.!?;:"):
                        self._postposed(toks, v - 1, v, y, inv, tok.text, pi, found, covered, s, e)
                        continue
            if mention is None and not coordinated:
                continue
            # decide the construction
            if a < n and toks[a].text == ":":
                continue  # 'what the mayor told reporters:' introduces the quotation that follows
            if a >= n or toks[a].text in ".!?;:":
                # postposed: "CLAUSE, X said." (the NP must follow a comma or a quote)
                if cls in {"wh", "as"}:
                    continue
                if a_np > 0 and toks[a_np - 1].text in ",\u2014\u2013-" or (a_np > 0 and toks[a_np - 1].is_quote):
                    self._postposed(toks, a_np - 1, v, v, mention, tok.text, pi, found, covered, s, e)
                continue
            if toks[a].text == ",":
                if a + 1 < n and toks[a + 1].is_quote:
                    continue  # 'X said, "..."': a direct quote's attribution
                if a_np > 0 and toks[a_np - 1].text == "," and a_np - 1 > 0:
                    # interposed: "ISIS terrorists, he said, infiltrated ..."
                    if cls in {"free", "that"} and not toks[0].is_quote:
                        ca, cb = 0, n - 1
                        cb = self._clause_end(toks, a + 1, n)
                        cand = self._cand_from(toks, ca, cb, mention, tok.text, pi, "reported")
                        if cand is not None:
                            found.append((2, cand))
                            covered.append((ca, cb))
                continue
            if toks[a].is_quote:
                q = self._quote_ending_at_tok(toks[a])
                if q is not None:
                    self.hints.setdefault(q, (mention, tok.text))
                continue
            if cls in {"direct", "as"}:
                continue
            if cls == "that" and not has_that:
                continue
            if cls == "wh" and toks[a].low not in {"whether", "if", "why", "how", "what", "when", "who", "where"}:
                continue
            if not has_that and not self._clause_like(toks, a, n):
                continue
            cb = self._clause_end(toks, a, n)
            if cb - a + 1 < 3 and not any(t.is_quote for t in toks[a : cb + 1]):
                continue
            if self._inner_report(toks, a, cb):
                continue  # "Authorities said the father told his wife he ...": the father is the speaker
            cand = self._cand_from(toks, a, cb, mention, tok.text, pi, "reported")
            if cand is not None:
                found.append((2, cand))
                covered.append((a, cb))
        # resolve overlaps: verb-based first, then "according to"
        accepted: list[_Cand] = []
        for _prio, cand in sorted(found, key=lambda pc: (-pc[0], pc[1].start)):
            if all(cand.end <= o.start or cand.start >= o.end for o in accepted):
                accepted.append(cand)
        self.reported.extend(accepted)

    def _inner_report(self, toks: list[_Tok], a: int, cb: int) -> bool:
        """Whether the clause ``a..cb`` opens with a named or described speaker who reports in
        turn ("the father at some point told his wife he ..."): the innermost speaker counts."""
        for m in range(a + 1, min(cb, a + 10)):
            t = toks[m]
            if t.text in ",;:" or t.is_quote:
                return False
            entry = _VERBS.get(t.text)
            if entry is None or t.text.endswith("ing") or entry[0] not in _COMMUNICATION:
                continue
            j = m - 1
            while j > a and toks[j].low in _AUX_ADV:
                j -= 1
            x, y = self._np_back(toks, j)
            if y < x or x > a + 1 or toks[x].low in _PRONOUNS:
                return False
            k = self._skip_adverbials(toks, m + 1)
            if entry[0] in _OBJECT_VERBS and k <= cb and toks[k].low not in {"that", ","}:
                k = self._skip_object(toks, k)
            if k <= cb and (toks[k].low == "that" or self._clause_like(toks, k, cb + 1)):
                return True
            return False
        return False

    def _clause_like(self, toks: list[_Tok], a: int, n: int) -> bool:
        """Whether a clause without "that" starts at token ``a``: a pronoun or a quotation opens it,
        or a noun phrase followed by a finite verb ("said students would be shocked")."""
        first = toks[a]
        lw0 = re.split(r"'", first.low)[0]
        if (
            first.is_quote
            or lw0 in _PRONOUNS
            or lw0
            in {
                "there",
                "nobody",
                "everyone",
                "everybody",
                "someone",
                "somebody",
                "anyone",
                "nothing",
                "none",
                "whoever",
            }
        ):
            return True  # fmt: skip
        if lw0 in _SUBORDINATORS:
            return True
        if lw0 in {"to", "of", "for", "about", "on", "with", "from", "by", "at", "in", "into", "over", "against"}:
            return False
        if _is_finite(first) or (first.text in _VERBS and not first.is_cap):
            return False
        k = a + 1
        while k < n and k - a < 18:
            t = toks[k]
            if t.text in ".;:!?" or (t.text == "," and k + 1 < n and toks[k + 1].low in _CLAUSE_CUT_CONJ):
                return False
            if t.text == "(":
                while k < n and toks[k].text != ")":
                    k += 1
                k += 1
                continue
            if t.low in {"who", "which", "whose", "whom"}:
                # a relative clause inside the subject: skip its verb group
                k += 1
                while k < n and not _is_finite(toks[k]) and toks[k].text not in ".;:!?" and k - a < 18:
                    k += 1
                while k < n and (_is_finite(toks[k]) or toks[k].low.endswith(("ed", "ing")) or toks[k].low in _AUX_ADV):
                    k += 1
                continue
            if (_is_finite(t) and toks[k - 1].low != "to") or t.is_quote:
                return True
            if t.is_word and t.text.islower() and t.low.endswith("s") and t.low in _VERBS and toks[k - 1].is_word:
                return True  # "said the company claims ..."
            if (
                t.is_word
                and t.text.islower()
                and len(t.low) > 3
                and t.low.endswith("s")
                and not t.low.endswith(("ss", "us", "is", "ics", "'s"))
                and toks[k - 1].is_word
                and toks[k - 1].low not in _FUNCTION_WORDS
                and toks[k - 1].low not in _DETERMINERS
                and k + 1 < n
                and (
                    toks[k + 1].low in _PRESENT_NEXT or (toks[k + 1].low.endswith("ly") and toks[k + 1].text.islower())
                )
            ):
                return True  # "says the suspension of the credential violates the First Amendment"
            k += 1
        return False

    def _passive_report(self, toks: list[_Tok], v: int, pi: int, found: list, covered: list) -> None:  # noqa: ANN001
        """'X was told (by Y) that CLAUSE': reported speech whose speaker is the agent, if any."""
        n = len(toks)
        k = v + 1
        agent: _Mention | None = None
        if k < n and toks[k].low == "by":
            x, y = self._np_forward(toks, k + 1)
            if y < x:
                return
            agent = self._mention(toks, x, y)
            k = y + 1
        k = self._skip_adverbials(toks, k)
        if k >= n or toks[k].low != "that":
            return
        cb = self._clause_end(toks, k + 1, n)
        cand = self._cand_from(toks, k + 1, cb, agent, toks[v].text, pi, "reported")
        if cand is not None:
            if agent is None:
                cand.mention = _Mention("generic", "", toks[v].start, toks[v].start, person=None)
            found.append((2, cand))
            covered.append((k + 1, cb))

    def _quote_ending_at_tok(self, tok: _Tok) -> int | None:
        for k, c in enumerate(self.direct):
            if c.start <= tok.start < c.end:
                return k
        return None

    def _subject_before(self, toks: list[_Tok], v: int) -> tuple[int, int]:
        """Subject for a coordinated or participial verb: the nearest earlier 'NP VERB' in the
        sentence (e.g. 'he continued, alleging ...'), else the sentence subject."""
        for k in range(v - 1, 0, -1):
            entry = _VERBS.get(toks[k].text)
            if entry is not None and not toks[k].text.endswith("ing"):
                a, b = self._np_back(toks, k - 1)
                if b >= a and toks[b].low in _PRONOUNS | set() or (b >= a and toks[b].is_cap):
                    return (a, b)
        return self._sentence_subject(toks, v)

    def _appositive(self, toks: list[_Tok], j: int) -> tuple[_Mention | None, int, int]:
        """``toks[j]`` is the comma before the verb. Find 'NAME, apposition,' before it."""
        for k in range(j - 1, max(-1, j - 30), -1):
            if toks[k].text == ",":
                inner_a, inner_b = k + 1, j - 1
                a, b = self._np_back(toks, k - 1)
                outer = self._mention(toks, a, b) if b >= a else None
                inner = None
                x, y = self._np_forward(toks, inner_a)
                if y >= x and y <= inner_b:
                    inner = self._mention(toks, x, y)
                if outer is not None and outer.kind in ("name", "org") and outer.kind == "name":
                    return outer, a, b
                if inner is not None and inner.kind == "name":
                    return inner, x, y
                if outer is not None and (a == 0 or toks[a - 1].text in ",;" or toks[a - 1].is_quote or a <= 2):
                    return outer, a, b
                return None, 0, -1
            if toks[k].text in ".;:" or toks[k].is_quote:
                break
        return None, 0, -1

    def _skip_object(self, toks: list[_Tok], a: int) -> int:
        n = len(toks)
        if a >= n:
            return a
        if toks[a].low in _TELL_OBJECTS:
            return a + 1
        k = a
        if toks[k].low in {"the", "a", "an", "his", "her", "their", "its"}:
            k += 1
        start = k
        while k < n and (
            toks[k].is_cap or (toks[k].text == "." and k > start) or toks[k].text[:1].isdigit() and k > start
        ):
            k += 1
        while k < n and toks[k].low in _TELL_OBJECTS and k - start < 3:
            k += 1
        if k == start:
            # a described listener: "told officers he ...", "told the hearing they ..."
            m = start
            while m < n and m - start < 3 and toks[m].is_word and toks[m].text.islower():
                lw = toks[m].low
                if lw in _FUNCTION_WORDS or _is_finite(toks[m]) or lw in _PRONOUNS:
                    break
                if _is_person_noun(lw) or lw in _TITLES or lw in _ORG_NOUNS or lw in _MEDIUM_NOUNS:
                    nxt = toks[m + 1] if m + 1 < n else None
                    if nxt is not None and (
                        nxt.low == "that" or nxt.low in _PRONOUNS or self._clause_like(toks, m + 1, n)
                    ):
                        return m + 1
                    break
                m += 1
            return a
        return k

    def _clause_end(self, toks: list[_Tok], a: int, n: int) -> int:
        """Last token of a reported clause starting at ``a``: the sentence end, or before
        ', according to', ', but X said', '; '."""
        k = a
        while k < n:
            t = toks[k]
            if t.text in ";" and k > a:
                return k - 1
            if t.text == "," and k + 2 < n:
                nxt = toks[k + 1].low
                if nxt == "according" and toks[k + 2].low == "to":
                    return k - 1
                if nxt in _CLAUSE_CUT_CONJ:
                    # ', but federal prosecutors argued ...' starts a new report
                    for m in range(k + 2, min(n, k + 12)):
                        e2 = _VERBS.get(toks[m].text)
                        if e2 is not None and e2[1] not in {"direct", "as"} and not toks[m].text.endswith("ing"):
                            if toks[m - 1].low not in _RELATIVE:
                                return k - 1
                        if toks[m].text in ",.;":
                            break
                # a second speaker: "..., Siraj Wahhaj, the boy's grandfather claims they are ..."
                x, y = self._np_forward(toks, k + 1)
                if y >= x and any(t.is_cap for t in toks[x : y + 1]):
                    m = y + 1
                    if m < n and toks[m].text == ",":
                        m2 = next((q for q in range(m + 1, min(n, m + 10)) if toks[q].text == ","), None)
                        m = m2 + 1 if m2 is not None else m
                        if m2 is None:  # "NAME, the boy's grandfather claims" (no closing comma)
                            m = next((q for q in range(y + 2, min(n, y + 10)) if toks[q].text in _VERBS), n)
                            if m < n and not all(
                                toks[q].low in {"the", "a", "an"}
                                or toks[q].low.endswith("'s")
                                or _is_person_noun(toks[q].low)
                                or toks[q].low in _TITLES
                                or toks[q].is_cap
                                for q in range(y + 2, m)
                            ):
                                m = n
                    while m < n and toks[m].low in _AUX_ADV:
                        m += 1
                    e2 = _VERBS.get(toks[m].text) if m < n else None
                    if e2 is not None and e2[1] in {"free", "that"} and not toks[m].text.endswith("ing"):
                        r = self._skip_adverbials(toks, m + 1)
                        if r < n and (toks[r].low == "that" or self._clause_like(toks, r, n)):
                            return k - 1
                # postposed attribution inside: "CLAUSE, X said."
                if (
                    y >= x
                    and y + 1 < n
                    and toks[y + 1].text in _VERBS
                    and _VERBS[toks[y + 1].text][1] not in {"direct", "as"}
                ):
                    rest = self._skip_adverbials(toks, y + 2)
                    if rest >= n or toks[rest].text in ".!?":
                        return k - 1
            k += 1
        last = n - 1
        while last > a and toks[last].text in ".!?,;:)\u2014\u2013-" and not toks[last].is_quote:
            last -= 1
        return last

    def _cand_from(
        self, toks: list[_Tok], a: int, b: int, mention: _Mention | None, cue: str, pi: int, kind: str
    ) -> _Cand | None:
        while b >= a and toks[b].text in ".,;:!?\u2014\u2013-(" and not toks[b].is_quote:
            b -= 1
        while a <= b and toks[a].text in ",;:\u2014\u2013-)":
            a += 1
        if b < a:
            return None
        start, end = toks[a].start, toks[b].end
        if toks[b].is_quote:
            q = self._quote_ending_at_tok(toks[b])
            if q is not None:
                end = max(end, self.direct[q].end)
        if toks[a].is_quote:
            q = self._quote_ending_at_tok(toks[a])
            if q is not None:
                start = min(start, self.direct[q].start)
        return _Cand(start, end, kind, mention=mention, cue=cue, para=pi)

    def _postposed(self, toks, comma: int, v: int, last_np: int, mention, cue, pi, found, covered, s, e) -> None:  # noqa: ANN001
        """'CLAUSE, X said.': the clause runs from the sentence start to the comma."""
        if comma <= 0:
            if comma == 0 and toks[0].is_quote:
                q = self._quote_ending_at_tok(toks[0])
                if q is not None:
                    self.hints.setdefault(q, (mention, cue))
            return
        a = 0
        # skip a leading "According to X," handled elsewhere; skip a leading quote attribution
        while a < comma and not toks[a].is_word and not toks[a].is_quote:
            a += 1
        body = toks[a:comma]
        if not body:
            return
        if toks[comma].is_quote or toks[comma - 1].is_quote and all(t.is_quote or not t.is_word for t in body):
            q = self._quote_ending_at_tok(toks[comma] if toks[comma].is_quote else toks[comma - 1])
            if q is not None:
                self.hints.setdefault(q, (mention, cue))
            outside = [t for t in body if t.is_word and not t.is_quote]
            if toks[comma].is_quote and len(outside) >= 3 and not body[0].is_quote:
                # 'The officers were "true heroes" and "the best we had," the chief said.'
                cand = self._cand_from(toks, a, comma, mention, cue, pi, "reported")
                if cand is not None:
                    found.append((2, cand))
                    covered.append((a, last_np))
            return
        words = [t for t in body if t.is_word]
        if len(words) < 3:
            return
        cand = self._cand_from(toks, a, comma - 1, mention, cue, pi, "reported")
        if cand is not None:
            found.append((2, cand))
            covered.append((a, last_np))

    def _according(self, toks, v, pi, found, covered) -> None:  # noqa: ANN001
        n = len(toks)
        x, y = self._np_forward(toks, v + 2)
        if y < x:
            return
        mention = self._mention(toks, x, y)
        if mention is None:
            return
        # skip a relative clause after the source: "according to the NYDN, which claims ..."
        lead = all(not t.is_word or t.low in _LEADING_SKIP or t.low in _TIME_WORDS for t in toks[:v])
        if not lead and v > 0 and toks[v - 1].text == ",":
            # a short opener: "What's more, according to ..."
            opener = [t for t in toks[: v - 1] if t.is_word]
            lead = 0 < len(opener) <= 3 and not any(t.low in _VERBS or _is_finite(t) for t in opener)
        if not lead and v > 0 and toks[v - 1].low == "that":
            lead = True  # "the fact that according to witnesses, ..."
        quote_before = (
            v > 0
            and toks[v - 1].is_quote
            and self.text[toks[v - 1].start : toks[v - 1].end].rstrip(_DQ + "\u2019' ").endswith(",")
        )
        if lead and y + 1 < n and toks[y + 1].text == ",":
            a = y + 2
            while a < n and toks[a].low in _TIME_WORDS | {"on", "last", "this", ","}:
                a += 1
            cb = self._clause_end(toks, a, n)
            cand = self._cand_from(toks, a, cb, mention, "according to", pi, "reported")
            if cand is not None:
                found.append((1, cand))
        elif v > 0 and toks[v - 1].text == ",":
            cand = self._cand_from(toks, 0, v - 2, mention, "according to", pi, "reported")
            if cand is not None and len([t for t in toks[: v - 1] if t.is_word]) >= 3:
                found.append((1, cand))
        elif quote_before and len([t for t in toks[:v] if t.is_word or t.is_quote]) >= 3:
            # 'Lawson and Smith "have a long history of friendship," according to the department.'
            cand = self._cand_from(toks, 0, v - 1, mention, "according to", pi, "reported")
            if cand is not None:
                found.append((1, cand))

    # ------------------------------------------------------------------ direct attribution
    def _attribute_direct(self) -> None:
        t, m = self.text, self.masked
        prev: _Cand | None = None
        for idx, q in enumerate(self.direct):
            if q.cue == "post":
                prev = q
                continue
            pi = q.para
            cpi = self._para_of(max(q.start, q.end - 1))
            ps, pe = self.paras[cpi]
            content = t[q.start + 1 : q.end - 1].strip(_DQ + "\u2018\u2019' ")
            ends_sentence = content[-1:] in ".!?"
            found = self._attr_after(q, pe, ends_sentence)
            if found is None:
                found = self._attr_before(q, pi, prev)
            if found is None and idx in self.hints:
                found = self.hints[idx]
            if found is not None:
                q.mention, q.cue = found
            elif prev is not None and prev.mention is not None or (prev is not None and prev.inherit is not None):
                assert prev is not None
                between = t[prev.end : q.start]
                same_sentence = self._para_of(prev.start) == pi or prev.end > self.paras[pi][0]
                para_start = t[self.paras[pi][0] : q.start].strip(" \t" + _ZW) == ""
                prev_para_end = self._para_of(max(prev.start, prev.end - 1))
                if same_sentence and not re.search(r"[.!?]\s", between.replace("\n", " ")) and not para_start:
                    q.inherit = idx - 1  # interrupted quote: '"A," she said, "B."'
                elif para_start and pi - prev_para_end <= 1:
                    q.inherit = idx - 1  # continuation paragraph
                elif (
                    not para_start
                    and prev_para_end == pi
                    and prev.mention is not None
                    and prev.end <= prev.mention.start < q.start
                    and len(between) <= 150
                    and len(re.findall(r"[.!?](?:\s|$)", between)) <= 1
                    and not re.search(r"[.!?]\s", t[prev.mention.end : q.start].strip())
                ):
                    q.inherit = idx - 1  # '"A," Grady said. "B."': the next sentence goes on quoting

            # kind
            starts_para = t[self.paras[pi][0] : q.start].strip(" \t" + _ZW) == ""
            ends_para = t[q.end : pe].strip(" \t.,;" + _ZW) == ""
            intro_colon = pi > 0 and t[self.paras[pi - 1][0] : self.paras[pi - 1][1]].rstrip().endswith(":")
            if starts_para and (ends_para or intro_colon) and (found is None or intro_colon):
                q.kind = "block"
            prev = q
        _ = m

    def _attr_after(self, q: _Cand, pe: int, ends_sentence: bool) -> tuple[_Mention | None, str] | None:
        toks = _tokens(self.masked, q.end, min(pe, q.end + 300))[:40]
        n = len(toks)
        i = 0
        while i < n and toks[i].text in ",\u2014\u2013-":
            i += 1
        if i >= n or toks[i].is_quote:
            return None
        content = self.text[q.start : q.end].rstrip(_DQ + "\u2019' ")
        if i == 0 and content[-1:] not in ",.!?\u2026-\u2014":
            return None  # '"former official" told X that ...': a term, not an utterance
        if ends_sentence and toks[i].is_cap and toks[i].low not in _PRONOUNS:
            new_sentence = True
        else:
            new_sentence = False
        # inverted: '" said X' / '" says Carrie Severino, chief counsel ...'
        entry = _VERBS.get(toks[i].text)
        if entry is not None and (entry[0] in {"tell", "inform", "assure", "remind", "advise"} or entry[1] == "as"):
            entry = None  # '"...," told X' / '"...," praised X as': X is not the speaker
            if toks[i].text in _VERBS:
                return None
        if entry is not None:
            x, y = self._np_forward(toks, i + 1)
            if y >= x:
                men = self._mention(toks, x, y)
                if men is not None:
                    return men, toks[i].text
            return None
        # 'NP [aux] VERB', 'NP, apposition, VERB' ('Rep. Marcus Bell, R-Texas, told ...')
        x0, y0 = self._np_forward(toks, i)
        for v in range(i + 1, min(n, i + 24)):
            if toks[v].text == "." and (toks[v - 1].low in _ABBREVIATIONS or len(toks[v - 1].text) == 1):
                continue  # "Rep. Marcus Bell", "R-N.C."
            if toks[v].text in ".!?;" or toks[v].is_quote:
                break
            entry = _VERBS.get(toks[v].text)
            if entry is None:
                continue
            j = v - 1
            while j > i and (
                toks[j].low in _AUX_ADV
                or (toks[j].low.endswith("ly") and toks[j].text.islower())
                or toks[j].low == "as"
            ):
                j -= 1
            if toks[j].text == "," and y0 >= x0 == i and y0 + 1 < j and toks[y0 + 1].text == ",":
                a, b = x0, y0
            else:
                a, b = self._np_back(toks, j)
            if v - i >= 12 and (a, b) != (x0, y0):
                return None
            if b < a or a != i:
                if toks[i].low in _PRONOUNS and j == i:
                    a, b = i, i
                else:
                    return None
            if new_sentence:
                rest = self._skip_adverbials(toks, v + 1)
                if rest < n and (
                    toks[rest].low == "that"
                    or toks[rest].low in _CLAUSE_START_LOWER
                    or toks[rest].is_cap
                    or toks[rest].text not in ".,;:!?"
                ):
                    return None
            men = self._mention(toks, a, b)
            if men is None:
                return None
            return men, toks[v].text
        return None

    def _attr_before(self, q: _Cand, pi: int, prev: _Cand | None) -> tuple[_Mention | None, str] | None:
        ps, _pe = self.paras[pi]
        lo = ps
        if prev is not None and prev.end > lo and prev.end <= q.start:
            lo = prev.end
        toks = _tokens(self.masked, lo, q.start)
        if not [t for t in toks if t.is_word]:
            # block introduced by a colon at the end of the previous paragraph
            if pi > 0 and self.text[self.paras[pi - 1][0] : self.paras[pi - 1][1]].rstrip().endswith(":"):
                pps, ppe = self.paras[pi - 1]
                toks = _tokens(self.masked, pps, ppe)
            else:
                return None
        # cut at the last sentence end
        for k in range(len(toks) - 1, -1, -1):
            if toks[k].text in ".!?" and k < len(toks) - 1:
                toks = toks[k + 1 :]
                break
        n = len(toks)
        k = n - 1
        while k >= 0 and toks[k].text in ",:\u2014\u2013-":
            k -= 1
        if k >= 0 and toks[k].low == "that":
            k -= 1
        # headline or label style: 'Trump: "Let people see it"'
        if 0 < n <= 6 and toks[-1].text == ":" and all(t.is_word and t.is_cap for t in toks[:-1]) and pi == q.para:
            para_lead = self.text[self.paras[pi][0] : toks[0].start].strip(" \t" + _ZW)
            if para_lead == "":
                men = self._mention(toks, 0, n - 2)
                if men is not None and men.kind in ("name", "org"):
                    return men, ":"
        # look back a few tokens for a cue verb: 'called the allegation "..."', 'It continued:',
        # 'described Acosta as "unbelievably rude"'
        for v in range(k, max(-1, k - 10), -1):
            tok = toks[v]
            if tok.text in ".!?;" or tok.is_quote:
                break
            entry = _VERBS.get(tok.text)
            if entry is None:
                continue
            if v > 0 and (toks[v - 1].low in _POSSESSIVE_DETS or toks[v - 1].low in {"the", "a", "an"}):
                continue
            j = v - 1
            passive = False
            while j >= 0 and (toks[j].low in _AUX_ADV or (toks[j].low.endswith("ly") and toks[j].text.islower())):
                passive = passive or toks[j].low in {"heard", "quoted"}
                j -= 1
            if j >= 0 and toks[j].low == "as" and passive:
                j -= 1
                while j >= 0 and toks[j].low in _AUX_ADV:
                    j -= 1
            if entry[1] == "as" and v + 1 <= k and toks[v + 1].low == "as":
                continue  # 'A woman described as a "former official"': a participle, no speaker
            if entry[1] == "as" and k - v > 6:
                pass  # 'described X as ...' reaches further than 'said, ...'
            elif k - v > 5:
                continue
            if entry[1] == "as" and j >= 0 and toks[j].is_quote:
                j = -1  # 'denounced Jews as "satanic," praised Hitler as ...': the sentence's subject
            men = None
            a, b = 0, -1
            if j >= 0 and toks[j].text == "," and not tok.text.endswith("ing"):
                men, a, b = self._appositive(toks, j)
            if men is None:
                if (
                    (tok.text.endswith("ing") and not passive)
                    or (j >= 0 and toks[j].low in {"and", "but", ",", "to"})
                    or (j < 0 and entry[1] == "as")
                ):
                    a, b = self._subject_before(toks, v)
                else:
                    a, b = self._np_back(toks, j)
                men = self._mention(toks, a, b) if b >= a else None
            if men is None and b < a:
                return None
            return men, tok.text
        return None

    # ------------------------------------------------------------------ merge & resolve
    def _merge(self) -> list[_Cand]:
        rep = sorted(self.reported, key=lambda c: c.start)
        keep_direct: list[_Cand] = []
        for q in self.direct:
            inside = any(r.start <= q.start and q.end <= r.end for r in rep)
            if inside:
                q.kind = "_dropped"
                continue
            keep_direct.append(q)
        out: list[_Cand] = []
        for q in keep_direct:
            if self._speech_like(q):
                out.append(q)
            else:
                q.kind = "_dropped"
        for r in rep:
            if all(r.end <= o.start or r.start >= o.end for o in out):
                out.append(r)
        out.sort(key=lambda c: c.start)
        return out

    def _speech_like(self, q: _Cand) -> bool:
        if q.mention is not None or q.cue is not None:
            return True
        if q.inherit is not None and self.direct[q.inherit].kind != "_dropped":
            return True
        content = self.text[q.start : q.end]
        words = re.findall(r"\w+", content)
        if q.kind == "block" and len(words) >= 3:
            return True
        return len(words) >= 8

    def _resolve(self, cands: list[_Cand]) -> None:
        # pos, para, name, person, gender, head, plural, context (paragraph text up to the quote's end)
        history: list[tuple[int, int, str | None, bool | None, str | None, str | None, bool, str]] = []
        for c in cands:
            if c.inherit is not None and c.mention is None:
                src = self.direct[c.inherit]
                c.speaker, c.speaker_start, c.speaker_end = src.speaker, src.speaker_start, src.speaker_end
                c.cue = c.cue or src.cue
                c.person, c.gender = src.person, src.gender
                continue
            men = c.mention
            if men is None:
                continue
            if men.end > men.start:
                c.speaker_start, c.speaker_end = men.start, men.end
            name, person, gender = self._resolve_mention(men, c, history)
            c.speaker, c.person, c.gender = name, person, gender
            plural = men.plural or bool(name and " and " in name)
            if men.kind == "pronoun" and name is not None:
                plural = any(h[2] == name and h[6] for h in history)
            ps = self.paras[self._para_of(min(c.start, men.start))][0]
            history.append(
                (
                    c.start,
                    c.para,
                    name,
                    person,
                    gender,
                    men.head if men.kind in ("generic", "definite") else None,
                    plural,
                    self.text[ps : max(c.end, men.end)].lower(),
                )
            )
        # quotations the text gives no speaker for, right after a speaker's reported words:
        # 'The Justice Department said the ruling was disappointing.\n"We will appeal."'
        for k, c in enumerate(cands):
            if c.speaker is not None or c.mention is not None or c.kind == "reported" or k == 0:
                continue
            if c.inherit is not None:
                continue
            prev = cands[k - 1]
            if prev.speaker is None or prev.kind != "reported":
                continue
            pi = self._para_of(c.start)
            ppi = self._para_of(max(prev.start, prev.end - 1))
            starts_para = self.text[self.paras[pi][0] : c.start].strip(" \t" + _ZW) == ""
            cpe = self.paras[self._para_of(max(c.start, c.end - 1))][1]
            ends_para = self.text[c.end : cpe].strip(" \t.,;" + _ZW) == ""
            between = self.text[prev.end : c.start]
            if starts_para and ends_para and pi - ppi == 1 and len(between.strip()) <= 2:
                c.speaker, c.speaker_start, c.speaker_end = prev.speaker, prev.speaker_start, prev.speaker_end
                c.person, c.gender, c.cue = prev.person, prev.gender, prev.cue

    def _resolve_mention(self, men: _Mention, c: _Cand, history) -> tuple[str | None, bool | None, str | None]:  # noqa: ANN001
        if men.kind == "name":
            full = men.canonical or men.text
            if " " not in full:
                full = self.acronyms.get(full.lower()) or self._full_name(full, men.start) or full
            elif c.cue == "post":
                known = self._full_name(full.split()[-1], men.start)
                if known is not None and known.split()[0] == full.split()[0]:
                    full = known
            person = men.person
            if person is None and (" " in full or full.lower() in self.surnames):
                person = True
            if full.lower() in _COUNTRIES or full.lower() in self.places:
                person = False
            return full, person, men.gender or _gender_of_name(full)
        if men.kind == "org":
            name = men.canonical
            if name and name.lower() in self.acronyms:
                return self.acronyms[name.lower()], False, None
            if name and " " not in name and name.lower() in self.surnames:
                full = self._full_name(name, men.start) or name
                return full, True, _gender_of_name(full)
            return name, men.person, None
        if men.kind == "pronoun":
            p = men.head
            if p in {"i", "we", "you"}:
                return None, None, None
            if p == "they":
                return self._plural_antecedent(men.start, c.para, history)
            want_person = p in {"he", "she"}
            want_gender = "m" if p == "he" else "f" if p == "she" else None
            want_org = p == "it"
            return self._antecedent(men.start, c.para, want_person, want_gender, want_org, history)
        # descriptions
        head = men.head or ""
        if men.kind != "definite":
            return None, men.person, men.gender
        if head in _DOCUMENT_NOUNS:
            # "the letter said", "the suit says": whoever the text said issued it
            for h in reversed(history):
                if c.para - h[1] <= 3 and h[2] and re.search(rf"\b{re.escape(head)}\b", h[7]):
                    return h[2], h[3], h[4]
            return None, None, None
        if men.plural or head in {"couple", "family", "families"}:
            return self._plural_antecedent(men.start, c.para, history, head=head)
        # "the embassy" -> an earlier speaker whose name holds the noun; "the senator" -> titled name
        for h in reversed(history):
            if h[2] and head and head in h[2].lower().split():
                return h[2], h[3], h[4]
        alias = _TITLE_ALIASES.get(head, head)
        for pos, title, full in reversed(self.titled):
            if pos < men.start and (
                title == alias or (alias == "lawmaker" and title in _LAWMAKER_TITLES | {"lawmaker"})
            ):
                return full, True, _gender_of_name(full)
        if (_is_person_noun(head) or head in _TITLES) and head not in _INSTITUTIONS and head not in _ORG_NOUNS:
            # "the woman" -> the last unnamed speaker described the same way
            same = [
                h
                for h in history
                if h[5] and (h[5] == head or h[5].rstrip("s") == head.rstrip("s") or h[5] in head or head in h[5])
            ]
            if same and (same[-1][2] is not None or head not in _TITLES):
                return same[-1][2], same[-1][3], same[-1][4]
            if head in _TITLES and head not in {"woman", "man"}:
                # "the imam", "the attorney general": the last person who spoke
                for h in reversed(history):
                    if (
                        h[2]
                        and h[3] is not False
                        and c.para - h[1] <= 6
                        and not h[6]
                        and h[2].lower() not in self.places
                    ):
                        return h[2], True, h[4]
            return None, True, men.gender
        for pos, org in reversed(self.orgs):
            if pos < men.start and head and head in org.lower().split():
                return org, False, None
        if not men.person:
            for h in reversed(history):
                if h[2] and h[3] is not True and c.para - h[1] <= 8 and h[2].lower() not in self.surnames:
                    return h[2], False, h[4]
            # no antecedent: the description names the organisation ("the city council")
            desc = re.sub(r"^(the|a|an)\s+", "", men.text.replace("\u2019", "'"), flags=re.I)
            return desc, False, None
        return None, men.person, men.gender

    def _plural_antecedent(self, pos: int, para: int, history, head: str | None = None):  # noqa: ANN001, ANN202
        """'they' / 'the couple' / 'the Democratic leaders': the last plural speaker (or an
        organisation) within the last few paragraphs."""
        for h in reversed(history):
            if h[0] >= pos or para - h[1] > 4:
                continue
            if h[2] and (h[6] or (head is None and h[3] is False)):
                return h[2], h[3], h[4]
        return None, None, None

    def _opens_sentence_loose(self, pos: int) -> bool:
        """Whether only capitalised words, titles and discourse words stand between the last
        sentence end and ``pos`` (the name is the sentence's subject)."""
        before = self.text[max(0, pos - 200) : pos]
        cut = max(before.rfind(". "), before.rfind("! "), before.rfind("? "), before.rfind("\n"))
        for w in re.findall(r"[\w.'\u2019-]+", before[cut + 1 :]):
            lw = w.lower().rstrip(".")
            if not (w[:1].isupper() or lw in _TITLES or lw in {"the", "yet", "but", "and", "so", "then", "former"}):
                return False
        return True

    def _antecedent(self, pos: int, para: int, want_person: bool, gender: str | None, want_org: bool, history):  # noqa: ANN001, ANN202
        def ok(person: bool | None, g: str | None, plural: bool) -> bool:
            if want_person and (person is False or plural):
                return False
            if want_org and person is True:
                return False
            if gender and g and g != gender:
                return False
            return True

        for back in range(0, 4):
            p = para - back
            if p < 0:
                break
            speakers = [h for h in history if h[1] == p and h[0] < pos and ok(h[3], h[4], h[6])]
            if want_org:
                # "it" -> the most recent organisation: an earlier speaker or a named organisation
                orgs = [
                    (o_pos, org)
                    for o_pos, org in self.orgs
                    if o_pos < pos and self._para_of(o_pos) == p and self._opens_sentence(o_pos)
                ]
                if orgs and (not speakers or orgs[-1][0] > speakers[-1][0]):
                    return orgs[-1][1], False, None
            if speakers:
                h = speakers[-1]
                return h[2], h[3], h[4]
            if want_person:
                names = [
                    nm
                    for nm in self.person_names
                    if nm[1] == p and nm[0] < pos and (not gender or not nm[3] or nm[3] == gender)
                ]
                if names:
                    subjects = [nm for nm in names if self._opens_sentence_loose(nm[0])]
                    pick = subjects[-1] if subjects else names[-1]
                    return pick[2], True, pick[3]
        return None, None, None


def _gender_of_name(full: str | None) -> str | None:
    if not full:
        return None
    first = full.split()[0].lower().strip(".")
    if first in _FEMALE_NAMES and first not in _MALE_NAMES:
        return "f"
    if first in _MALE_NAMES and first not in _FEMALE_NAMES:
        return "m"
    return None


_ = field  # keep the import for dataclass users
