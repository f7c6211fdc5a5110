"""Word lists and marks the quote finder works with.

Everything here is data: verb forms by how they take a clause, role and title nouns, name
lists for guessing gender, quote marks and abbreviations. Sets hold lower-case words (curly
apostrophes as ``'``), so callers test ``tok.low in TITLES``.

>>> VERBS["said"], gender_of_name("Mary Poe")
(('say', 'free'), 'f')
"""

from __future__ import annotations

import re


def _forms(lemma: str) -> list[str]:
    """Base, -s, past and -ing forms of a speech verb: ``_forms("claim")`` -> claim, claims, claimed, claiming.

    Irregular verbs are spelled out; so are verbs whose base form is mostly a noun in news copy
    ("read", "cry", "hold", "find"), which list only their unambiguous forms.
    """
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
# "wh": only with whether/if/why/...; "as": "described X as ..." and "direct" only attribute
# a direct quote, never a reported clause.
_VERB_CLASSES = {
    "free": (
        "say tell claim argue warn insist write tweet note explain declare allege suggest add stress "
        "believe assert contend maintain predict hint complain recall state emphasize emphasise "
        "testify observe boast caution speculate theorize opine counter reiterate insinuate "
        "threaten lament charge"
    ),
    "that": (
        "acknowledge admit confirm deny announce reveal report agree conclude estimate indicate "
        "promise vow reply respond post concede fear hope suspect hold find "
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


def _verb_table() -> dict[str, tuple[str, str]]:
    """Every inflected form -> (lemma, class); a form listed under two lemmas keeps the first."""
    table: dict[str, tuple[str, str]] = {}
    for cls, lemmas in _VERB_CLASSES.items():
        for lemma in lemmas.split():
            for form in _forms(lemma):
                table.setdefault(form, (lemma, cls))
    return table


VERBS = _verb_table()
# verbs that take a person object before the clause ("told reporters that", "assured them")
COMMUNICATION = {
    "say", "tell", "claim", "write", "report", "announce", "inform", "add", "insist", "argue", "warn",
    "state", "allege", "testify", "reveal", "confirm", "deny", "assert", "declare", "explain", "note",
    "reply", "respond", "tweet", "post",
}  # fmt: skip
OBJECT_VERBS = {"tell", "inform", "assure", "remind", "advise", "warn", "ask"}

PRONOUNS = {"he", "she", "they", "it", "i", "we", "you"}
DETERMINERS = {
    "the", "a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "some", "several", "many", "other", "another", "both", "few", "dozens", "hundreds", "most",
}  # fmt: skip
POSSESSIVE_DETS = {"his", "her", "their", "its", "this", "these", "those", "my", "our", "your"}
AUX_ADV = {
    "has", "have", "had", "is", "was", "are", "were", "be", "been", "will", "would", "could",
    "should", "may", "might", "must", "can", "also", "later", "earlier", "then", "previously",
    "repeatedly", "again", "reportedly", "publicly", "recently", "first", "once", "long", "often",
    "never", "still", "just", "heard", "quoted", "not", "did", "does", "do", "even", "further",
    "privately", "now", "today", "yesterday", "subsequently", "initially", "famously",
}  # fmt: skip
TIME_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
    "yesterday", "tonight", "week", "month", "year", "morning", "afternoon", "evening", "night",
    "weekend", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
}  # fmt: skip
MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
}  # fmt: skip
MEDIUM_NOUNS = {
    "statement", "statements", "interview", "email", "e-mail", "letter", "conference", "briefing",
    "tweet", "tweets", "post", "posting", "speech", "video", "broadcast", "op-ed", "column",
    "article", "memo", "report", "press", "hearing", "meeting", "message", "page", "twitter",
    "facebook", "instagram", "television", "tv", "radio", "show", "rally", "appearance", "session",
    "call", "phone", "filing", "court", "release", "testimony", "remarks", "address", "podcast",
    "blog", "website", "camera", "book", "note", "documentary", "program", "programme", "event",
    "youtube", "telegram", "gab", "parler", "floor", "chamber", "senate", "house", "summit",
    "news", "newspaper", "magazine", "channel", "network",
}  # fmt: skip
TELL_OBJECTS = {
    "reporters", "journalists", "press", "him", "her", "them", "us", "me", "you", "lawmakers",
    "senators", "members", "supporters", "audience", "crowd", "viewers", "listeners", "readers",
    "congress", "parliament", "investigators", "police", "officials", "students", "guests",
    "website", "station", "newspaper", "paper", "magazine", "network", "channel", "outlet",
    "committee", "agency", "panel", "court", "jury", "judge", "interviewer", "host", "hosts",
}  # fmt: skip
TITLES = {
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
NAME_TITLES = {
    "pope", "king", "queen", "prince", "princess", "emir", "sultan", "sheikh", "ayatollah", "cardinal",
    "archbishop", "bishop", "imam", "rabbi", "pastor", "sir", "dame", "lord", "lady",
}  # fmt: skip
LAWMAKER_TITLES = {"sen", "senator", "rep", "representative", "congressman", "congresswoman", "lawmaker", "mp"}
TITLE_ALIASES = {
    "sen": "senator", "rep": "representative", "gov": "governor", "gen": "general",
    "pres": "president", "prof": "professor", "dr": "doctor", "congressman": "lawmaker",
    "congresswoman": "lawmaker", "senator": "lawmaker", "representative": "lawmaker",
}  # fmt: skip
ORG_NOUNS = {
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
GENERIC_NOUNS = {
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
FEMALE_NOUNS = {
    "woman", "women", "girl", "wife", "mother", "daughter", "sister", "spokeswoman", "congresswoman", "actress",
    "queen", "lady", "mrs", "ms", "miss",
}  # fmt: skip
MALE_NOUNS = {
    "man", "men", "boy", "husband", "father", "son", "brother", "spokesman", "congressman", "actor", "king", "mr",
    "sir", "lord",
}  # fmt: skip
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
COUNTRIES = set(
    """china russia iran iraq syria israel america usa us u.s uk britain france germany italy spain
    japan korea india pakistan afghanistan turkey egypt saudi arabia qatar yemen libya cuba
    venezuela mexico canada brazil ukraine poland hungary sweden norway denmark europe ukraine
    washington moscow beijing tehran london paris berlin brussels kiev damascus ankara jerusalem
    pyongyang seoul tokyo delhi riyadh havana caracas ottawa nato isis hamas hezbollah taliban
    kremlin pentagon congress""".split()
)
FUNCTION_WORDS = {
    "and", "but", "or", "nor", "that", "which", "who", "whom", "whose", "what", "when", "where",
    "while", "if", "because", "as", "than", "to", "from", "by", "with", "on", "at", "in", "of",
    "for", "about", "after", "before", "then", "so", "not", "into", "over", "under", "since",
    "until", "though", "although", "whether", "why", "how", "there", "here", "this", "these",
    "those", "it", "its", "be", "is", "was", "are", "were", "has", "have", "had", "will", "would",
    "also", "said", "says", "say", "told", "all", "any", "no", "against", "through", "during",
    "without", "within", "between", "among", "upon", "onto", "off", "out", "up", "down",
}  # fmt: skip
RELATIVE = {"which", "what", "who", "whom", "whose", "that", "as", "than", "where", "when", "how"}
CLAUSE_START_LOWER = {
    "he", "she", "they", "it", "i", "we", "you", "there", "this", "that", "these", "those", "his",
    "her", "its", "their", "our", "my", "your", "the", "a", "an", "some", "many", "no", "all",
    "most", "any", "each", "every", "none", "both", "if", "when", "while", "because", "although",
    "even", "nobody", "everyone", "everybody", "someone", "somebody", "anyone", "such", "only",
    "more", "few", "one", "two", "three", "several", "neither", "either", "people", "officials",
    "whoever", "nothing",
}  # fmt: skip
CLAUSE_CUT_CONJ = {"but", "and", "while", "whereas", "although", "though", "yet"}
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "capt", "adm",
    "st", "jr", "sr", "vs", "no", "inc", "ltd", "co", "corp", "u.s", "u.k", "u.n", "e.g", "i.e",
    "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "md", "calif", "pa",
    "fla", "ariz", "mass", "mich", "minn", "tex", "va", "wash", "n.y", "d.c", "ky", "ill", "wis",
    "conn", "ore", "okla", "nev", "ga", "ala", "tenn", "mo", "ind", "rev", "fr", "pres", "maj",
    "cpl", "pvt", "ret", "esq", "mt", "ft", "approx", "dept", "est", "al", "etc",
}  # fmt: skip
# last words of capitalised organisation names ("Acme Corp", "Harbour Authority", "Green Party")
ORG_HEADS = frozenset(
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
INSTITUTIONS = frozenset(
    "company embassy mission ministry department agency government administration office bar group".split()
)
LEADING_SKIP = {
    "in", "on", "at", "during", "earlier", "later", "meanwhile", "after", "before", "last",
    "but", "and", "however", "still", "yet", "so", "then", "now", "also", "today", "yesterday",
    "speaking", "asked", "when", "while", "since", "separately", "instead", "indeed", "moreover",
}  # fmt: skip
# quantity words: "Thousands of lecturers said ..." names nobody
QUANTITY = {
    "thousands", "hundreds", "dozens", "millions", "scores", "tens", "many", "some", "several", "most",
    "few", "both", "all", "others", "numerous", "countless", "more", "fewer", "each", "every", "none",
    "half", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "other",
}  # fmt: skip
# place and discourse adverbs that open sentences: "Here is what she said:", "Again Fox adds"
ADVERB_OPENERS = {
    "here", "there", "again", "meanwhile", "now", "then", "today", "yesterday", "tonight", "also",
    "still", "yet", "so", "thus", "hence", "instead", "indeed", "moreover", "furthermore", "however",
    "finally", "later", "earlier", "previously", "separately", "elsewhere", "overall", "nevertheless",
    "nonetheless", "anyhow", "anyway", "besides", "otherwise", "sadly", "fortunately", "unfortunately",
    "surprisingly", "interestingly", "notably", "similarly", "likewise", "additionally", "specifically",
    "breaking", "update", "exclusive", "scoop", "watch", "read", "video", "photo", "photos",
}  # fmt: skip
# people named by a role noun that the older lists lack
PERSON_NOUNS = {
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
DOCUMENT_NOUNS = {
    "statement", "letter", "suit", "lawsuit", "complaint", "filing", "report", "memo", "tweet", "post",
    "release", "affidavit", "warrant", "message", "email", "e-mail", "document", "documents", "docket",
    "order", "ruling", "motion", "brief", "petition", "indictment", "account", "website", "blog",
}  # fmt: skip
# words that end a capitalised run but never a person's name
NOT_PERSON_WORDS = {
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

# quote marks; _MASK overwrites quoted text so that token scans step over quotations
DQ_OPEN = "\u201c\u201e\u201f\u00ab"
DQ_CLOSE = "\u201d\u00bb"
_DQ_AMBIG = '"\uff02'
DQ = DQ_OPEN + DQ_CLOSE + _DQ_AMBIG
ZW = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
OPEN_CONTEXT = "([{\u2014\u2013-/:;\u201c\u2018'\"\u00ab"
CLOSE_CONTEXT = ".,;:!?)]}\u2014\u2013-\u2026\u201d\u2019'\"\u00bb"
ELISIONS = ("em ", "n'", "n\u2019", "cause", "til ", "tis ", "twas", "bout", "round ", "ol'")
MASK = "\x01"

# capitalised only because they open a sentence or a web-page fragment: never part of a name
NOT_NAME_START = LEADING_SKIP | {
    "like", "unlike", "as", "advertisement", "if", "because", "although", "though", "despite", "even",
    "only", "just", "not", "for", "with", "from", "by", "to", "until", "among", "under", "over", "why",
    "what", "how", "where", "who", "thus", "hence", "still", "perhaps", "maybe", "both", "either", "neither",
} | ADVERB_OPENERS  # fmt: skip
YEAR_OLD_RE = re.compile(r"^\d+-year-old$")
FINITE_AUX = {
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "should", "shall",
    "may", "might", "must", "did", "does", "do", "am", "cannot",
}  # fmt: skip
IRREGULAR_PAST = set(
    """felt went saw knew thought told said made found took gave came got lost won met left kept ran began
    became held brought bought sent spent paid heard meant put set cut hit let led fell rose grew drew threw
    wrote spoke broke chose stole fled fought caught taught sought built lent dealt sold stood understood hid
    lay sat shot struck stuck swore wore tore ate drove rode flew forgot forgave withdrew mistook shook woke
    froze hung dug spun spread cost hurt quit split shut burst""".split()
)
NOT_PAST_ED = {"need", "red", "bed", "shed", "seed", "feed", "speed", "greed", "bred", "united", "wed", "hundred"}
PLACE_NOUNS = {
    "capital", "region", "area", "country", "province", "state", "city", "town", "village", "district",
    "neighborhood", "neighbourhood", "community", "county", "north", "south", "east", "west",
}  # fmt: skip
PRESENT_NEXT = {
    "the", "a", "an", "that", "to", "no", "not", "his", "her", "its", "their", "our", "my", "your", "him",
    "them", "it", "this", "these", "those", "all", "any", "every", "some", "more", "up", "out", "off",
}  # fmt: skip
SUBORDINATORS = {"if", "when", "while", "because", "although", "even", "whether", "since", "unless", "once"}


def gender_of_name(full: str | None) -> str | None:
    """``"f"``/``"m"`` when the first name is only on one of the name lists, else ``None``."""
    if not full:
        return None
    first = full.split()[0].lower().strip(".")
    if first in _FEMALE_NAMES and first not in _MALE_NAMES:
        return "f"
    if first in _MALE_NAMES and first not in _FEMALE_NAMES:
        return "m"
    return None
