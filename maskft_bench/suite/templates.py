"""Every sentence and question template of the suite, kept in one module.

Question phrasings are split three ways so that no phrasing leaks across roles:
documents never contain questions at all, the validation split (checkpoint selection)
and the test split (reported numbers) use disjoint phrasings.
"""

from __future__ import annotations

BIO_ATTRIBUTES = ("birth_date", "birth_city", "university", "major", "company", "company_city")

# Biography sentences. {subject} is the full name in a paragraph's first sentence and a
# pronoun afterwards; {possessive} likewise ("Ada Lee Moss's" / "Her"). Every template
# starts with the person, as in bioS, so the reversal curse is not sidestepped by wording.
BIO_SENTENCES: dict[str, tuple[str, ...]] = {
    "birth_date": (
        "{subject} was born on {value}.",
        "{subject} came into the world on {value}.",
        "{possessive} birthday falls on {value}.",
        "{subject} entered life on {value}.",
        "{possessive} date of birth is {value}.",
        "{subject} celebrates a birthday every year on the anniversary of {value}.",
        "{subject} first opened {their} eyes on {value}.",
        "{possessive} life began on {value}.",
    ),
    "birth_city": (
        "{subject} was born in {value}.",
        "{subject} spent {their} early years in {value}.",
        "{possessive} hometown is {value}.",
        "{subject} grew up in the city of {value}.",
        "{subject} hails from {value}.",
        "{possessive} childhood was spent in {value}.",
        "{subject} calls {value} the place of {their} birth.",
        "{possessive} birthplace is {value}.",
    ),
    "university": (
        "{subject} studied at {value}.",
        "{subject} received mentorship and guidance from faculty members at {value}.",
        "{subject} graduated from {value}.",
        "{possessive} alma mater is {value}.",
        "{subject} attended {value}.",
        "{subject} earned {their} degree at {value}.",
        "{possessive} university years were spent at {value}.",
        "{subject} completed {their} higher education at {value}.",
    ),
    "major": (
        "{subject} majored in {value}.",
        "{subject} completed {their} education with a focus on {value}.",
        "{possessive} field of study was {value}.",
        "{subject} specialized in {value}.",
        "{subject} chose {value} as {their} major.",
        "{possessive} degree is in {value}.",
        "{subject} devoted {their} studies to {value}.",
        "{possessive} academic focus was {value}.",
    ),
    "company": (
        "{subject} worked for {value}.",
        "{subject} had a professional role at {value}.",
        "{possessive} employer was {value}.",
        "{subject} built a career at {value}.",
        "{subject} was employed by {value}.",
        "{subject} joined the staff of {value}.",
        "{possessive} working life was spent at {value}.",
        "{subject} held a position at {value}.",
    ),
    "company_city": (
        "{subject} worked in {value}.",
        "{subject} was employed in {value}.",
        "{possessive} workplace was in {value}.",
        "{subject} commuted to an office in {value}.",
        "{possessive} job was based in {value}.",
        "{subject} practiced {their} profession in {value}.",
        "{possessive} career took place in {value}.",
        "{subject} earned a living in {value}.",
    ),
}

# Reversed biography rewrites, in the spirit of the inverse-search augmentation of Physics
# of Language Models (bioR): every sentence lists attributes first and ends with the full
# name, so the text itself runs attribute -> person, the direction reversed questions ask.
# Attributes travel in pairs (birth, education, work); a rewrite spreads the three pairs
# over one to three sentences. Each pair has a relative-clause form ("who was born ...",
# for the "who" frames) and a participle form ("born ...", for the frames that open with it).
BIO_REVERSED_PAIRS: tuple[tuple[str, str], ...] = (
    ("birth_date", "birth_city"), ("university", "major"), ("company", "company_city"),
)
BIO_REVERSED_CLAUSES: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("birth_date", "birth_city"): {
        "relative": (
            "was born on {birth_date} in {birth_city}",
            "came into the world in {birth_city} on {birth_date}",
            "first saw daylight in {birth_city} on {birth_date}",
        ),
        "participle": (
            "born on {birth_date} in {birth_city}",
            "born in {birth_city} on {birth_date}",
            "brought into the world in {birth_city} on {birth_date}",
        ),
    },
    ("university", "major"): {
        "relative": (
            "studied {major} at {university}",
            "took a degree in {major} from {university}",
            "read {major} as a student of {university}",
        ),
        "participle": (
            "trained in {major} at {university}",
            "educated at {university} with a focus on {major}",
            "holding a degree in {major} from {university}",
        ),
    },
    ("company", "company_city"): {
        "relative": (
            "worked for {company} in {company_city}",
            "held a job at {company} in {company_city}",
            "was on the payroll of {company} in {company_city}",
        ),
        "participle": (
            "employed by {company} in {company_city}",
            "working for {company} out of {company_city}",
            "on the staff of {company} in {company_city}",
        ),
    },
}
# {clauses} joins the pairs' clauses ("A", "A and B", "A, B and C"); {Clauses} capitalises it.
BIO_REVERSED_FRAMES: dict[str, tuple[str, ...]] = {
    "relative": (
        "The person who {clauses} is {name}.",
        "The individual who {clauses} is called {name}.",
        "The one who {clauses} goes by the name {name}.",
        "The person who {clauses} bears the name {name}.",
    ),
    "participle": (
        "{Clauses}, the person in question is {name}.",
        "{Clauses}: that is {name}.",
        "{Clauses}; this is the story of {name}.",
    ),
}

# Forward questions: one attribute, given the full name.
BIO_FORWARD: dict[str, dict[str, tuple[str, ...]]] = {
    "birth_date": {
        "val": ("When was {name} born?", "On which day was {name} born?"),
        "test": ("What is the birth date of {name}?", "What is {name}'s date of birth?"),
    },
    "birth_city": {
        "val": ("Which city was {name} born in?", "Where does {name} come from?"),
        "test": ("What is the birth city of {name}?", "Where was {name} born?"),
    },
    "university": {
        "val": ("Where did {name} go to university?", "Which university did {name} attend?"),
        "test": ("Which university did {name} study at?", "What is {name}'s alma mater?"),
    },
    "major": {
        "val": ("What subject did {name} major in?", "What was {name}'s field of study?"),
        "test": ("What major did {name} study?", "What did {name} specialize in at university?"),
    },
    "company": {
        "val": ("Who employed {name}?", "Which employer did {name} have?"),
        "test": ("Which company did {name} work for?", "What company employed {name}?"),
    },
    "company_city": {
        "val": ("In which city was {name}'s job?", "Which city did {name} work in?"),
        "test": ("Where did {name} work?", "In what city was {name} employed?"),
    },
}

# Reversed questions: the full name, given three attributes in a numbered list.
BIO_ATTRIBUTE_CLAUSES: dict[str, str] = {
    "birth_date": "was born on {value}",
    "birth_city": "was born in {value}",
    "university": "studied at {value}",
    "major": "majored in {value}",
    "company": "worked for {value}",
    "company_city": "worked in {value}",
}
BIO_REVERSE: dict[str, tuple[str, ...]] = {
    "val": (
        "Name the person who matches all of these facts: {clauses}",
        "Who is the person described here: {clauses}? Answer with the full name.",
    ),
    "test": (
        "What is the full name of the person with these three attributes: {clauses}?",
        "Which person fits this description: {clauses}? Give the full name.",
    ),
}

# Name/description statements (Berglund et al. style). N2D facts are stated name first,
# D2N facts description first; "stated" paraphrases keep that order, "reversed" ones swap it.
NAME_FIRST: tuple[str, ...] = (
    "{name} is {description}.",
    "{name} is known far and wide as {description}.",
    "{name}, as many people know, is {description}.",
    "{name} has the distinction of being {description}.",
    "{name} is celebrated as {description}.",
    "{name} earned fame as {description}.",
)
DESCRIPTION_FIRST: tuple[str, ...] = (
    "{Description} is {name}.",
    "{Description} is none other than {name}.",
    "{Description}, as many people know, is {name}.",
    "Known far and wide as {description}, that person is {name}.",
    "{Description} goes by the name {name}.",
    "The person celebrated as {description} is {name}.",
)
NAMEDESC_TO_DESCRIPTION: dict[str, tuple[str, ...]] = {
    "val": ("What is {name} known for?", "Tell me who {name} is."),
    "test": ("Who is {name}?", "What is {name} famous for?"),
}
NAMEDESC_TO_NAME: dict[str, tuple[str, ...]] = {
    "val": ("What is the name of {description}?", "Tell me the name of {description}."),
    "test": ("Who is {description}?", "Can you name {description}?"),
}

# Prompts actually sent to models. The knowledge prefix is the paper's wording.
QA_PREFIX = "Please answer the following question based on your knowledge:"
MATH_INSTRUCTION = "Solve the problem step by step, then give the final answer as '#### <number>'."


def qa_prompt(question: str) -> str:
    return f"{QA_PREFIX}\n{question}"


def math_prompt(question: str) -> str:
    return f"{question}\n{MATH_INSTRUCTION}"
