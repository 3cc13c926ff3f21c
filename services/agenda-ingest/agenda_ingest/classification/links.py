"""Links in an agenda entry's description or place, as codes the rules can test."""

from __future__ import annotations

import re
from collections.abc import Iterator

_LINK = re.compile(r"(?:https?://|www\.)([a-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)

_WHOLE_LINK = re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE)

CUE_CODE = "cue|"
"""The code of a cue in the description: ``cue|phone``, ``cue|video``, ``cue|home``,
``cue|advice``, ``cue|absent``, ``cue|path``, ``cue|individual``, ``cue|sessad``, ``cue|own``,
``cue|drive``, ``cue|internat``, ``cue|named``."""

# Each cue: its name, whether it says where (a way home just before it, "retour à
# domicile", cancels it: ``_said``) and its pattern.
_CUES = (
    # A video tool or a video call named ("visio - lien envoyé (Teams)", "en visio").
    (
        "video",
        True,
        re.compile(
            r"\b(?:visio\w*|teams|zoom|webex|whereby|jitsi|google meet|skype|facetime|"
            r"classe virtuelle|distanciel)\b",
            re.IGNORECASE,
        ),
    ),
    # The session at the young person's home said as such ("(à domicile cette semaine)",
    # "chez la grand-mère", "chez elle", a description starting with "VAD"); not a way home
    # ("retour à domicile", "raccompagner au domicile").
    (
        "home",
        True,
        re.compile(
            r"\b(?:[àa]|au) domicile\b|^\W*v\.?a\.?d\b|^\W*domicile\b|\b[àa] la maison\b|"
            r"\bchez (?:l['’]|la |le |sa |son )?(?:assistante? familiale?|ass\.? ?fam\b|"
            r"famille d['’]accueil)|"
            r"\bchez (?:la |le |sa |son |ses |les )?(?:grand[- ]?m[èe]re|grand[- ]?p[èe]re|"
            r"grands[- ]parents|m[èe]re|p[èe]re|parents|famille|tante|oncle|maman|papa)\b|"
            # "chez elle à St-Germain, devoirs", "chez lui" (not "il appelle de chez lui").
            r"(?<!\bde )\bchez (?:elle|lui|eux)\b|"
            # A description that is only a first name and "maison" ("Erwan maison": at his
            # home; round 8).
            r"^\W*(?-i:[A-ZÉÈÎ][a-zéèêëïîôç]+)\s+maison\W*$",
            re.IGNORECASE,
        ),
    ),
    # A phone call said as such ("par tél avec l'IDE", "au téléphone", "entretien téléphonique",
    # a description that is only "tél"); not a phone number given ("tél d'astreinte 06…").
    (
        "phone",
        True,
        re.compile(
            r"\b(?:par|au|en) t[ée]l(?:[ée]phone)?\b|\bt[ée]l[ée]phonique\b|^\W*t[ée]l\W*$|"
            r"\bcoups? de (?:fil|t[ée]l[ée]phone)\b",
            re.IGNORECASE,
        ),
    ),
    # Advice, training or support given to a partner said in the description ("conseils
    # aménagements", "appui référente ASE : conduite à tenir", "ligne appui enseignants"): not
    # where, but what the session is; rules read it as a code (``cue|advice``). Not a council
    # ("conseil de classe", "conseil départemental") nor an adviser ("conseillère ML").
    (
        "advice",
        False,
        re.compile(
            r"\bconseils\b|\bconseil\b(?!\s+(?:de\b|des\b|du\b|d['’]|municipal|d[ée]partemental|"
            r"r[ée]gional))|\bappuis?\b|\bam[ée]nag\w*|\boutils\b|\bstrat[ée]gies?\b|"
            r"\bgestion\s+(?:de\s+la\s+|des\s+|de\s+|du\s+)?(?:crises?|comportements?)\b|"
            r"\bconduites?\s+[àa]\s+tenir\b|\bsensibilis\w*|\bco-?constru\w*|"
            r"\bp[ôo]le\s+ressources?\b",
            re.IGNORECASE,
        ),
    ),
    # The young person did not come or the session was cancelled, said in the description
    # ("absent, maman prévenue", "annulé par la famille", "pas venu", "Evan ne s'est pas
    # présenté", "personne au domicile", "non rentré, fugue signalée", "reporté - malade"):
    # not where, but what became of the session (the rule set's ``no_show`` reads it).
    (
        "absent",
        False,
        re.compile(
            r"\bannul\w*|\babsent(?:e|s|es)?\b|\babs\b|\b(?:pas|non) venue?s?\b|"
            r"\b(?:pas|non) pr[ée]sent[ée]?e?s?\b|\bs['’]est pas pr[ée]sent[ée]e?\b|"
            r"\bpersonne (?:au domicile|[àa] la maison|chez)\b|\bporte close\b|\binjoignable\b|"
            r"\bnon rentr[ée]e?\b|\bfugue\b|\breport[ée]e?s?\b|\bmalade\b|"
            r"\bpas connect[ée]e?\b|\b(?:rdv|rendez-vous|s[ée]ance) manqu[ée]e?\b|"
            r"\b(?:pas de|sans) r[ée]ponse\b|"
            # Round 9: "Lou pas là, personne n'a ouvert", "famille pas là, 1h de route pour rien",
            # "famille non joignable" (not "pas la peine": "pas là" before a stop, "à" or "au").
            r"\bpas l[àa](?=\s*(?:$|[,.;:!?)]|[-–—]|[àa]\s|au\b))|"
            r"\bpersonne n['’]a (?:ouvert|r[ée]pondu)\b|"
            r"\b(?:route|trajet|d[ée]placement|min|minutes|h|heures?) pour rien\b|"
            r"\bnon joignable\b",
            re.IGNORECASE,
        ),
    ),
    # An event of the young person's school path said in the description ("organiser l'ESS de
    # Théo", "échanges sur absences et sanctions", "exclusion temporaire ? point situation"): what
    # a call with his teacher is about, read as a code (``cue|path``): the coordination of his
    # path, not support to the teacher (round 4).
    (
        "path",
        False,
        re.compile(
            r"\bess\b|\b[ée]quipe\s+(?:de\s+suivi|[ée]ducative)\b|\bexclu\w*|"
            r"\babsen(?:ces?|t[ée]isme)\b|\bretards?\b|\bsanctions?\b|\bincidents?\b|"
            r"\bconseil\s+de\s+discipline\b|"
            r"\bd[ée]scolaris\w*|\bsituation\b",
            re.IGNORECASE,
        ),
    ),
    # One professional with the young person said in the description ("avec Amandine (ME)",
    # "séance individuelle avec Marion", "Laure accompagne", "1ère séance, accompagné"): an
    # individual support, not the day unit's group outing (round 5). A first name after "avec"
    # (a capital letter; not "avec le groupe", "avec Mme B."), "individuel", "accompagn...".
    (
        "individual",
        False,
        re.compile(
            r"(?i:\bs[ée]ances?\s+individuelles?\b|\bindividuel(?:le)?s?\b|\bindiv\b|"
            r"\baccompagn\w*)|"
            r"\b[Aa]vec\s+(?!(?:Mme|Mr|M|Mlle|Monsieur|Madame|Le|La|Les|Un|Une|Des)\b)"
            r"[A-ZÉÈÎ][a-zéèêëïîôç]+",
        ),
    ),
    # The SESSAD (the DITEP's ambulatory service) said in the description ("groupe SESSAD du
    # mercredi", "Yanis, séance SESSAD"): who runs the session, read as a code (round 5).
    (
        "sessad",
        False,
        re.compile(r"\bsessad\b", re.IGNORECASE),
    ),
    # The young person's own activity, not the DITEP's, said in the description: with his class,
    # his club or his family, his club licence, registered or brought by a parent, school
    # swimming, without the team or the educator, outside the DITEP ("avec sa classe de CM1",
    # "licence club, papa amène", "inscrit par la maman", "stage avec le club, sans l'équipe"):
    # who runs it, read as a code (round 9).
    (
        "own",
        False,
        re.compile(
            r"\bavec (?:sa|son|ses) (?:classe|club|famille|parents)\b|"
            r"\bavec (?:la|le) (?:famille|club)\b|"
            r"\blicen(?:ce|ci[ée]e?)\b|\binscrite? par (?:la |le |sa |son |ses )?"
            r"(?:maman|papa|m[èe]re|p[èe]re|parents|famille)\b|"
            r"\b(?:papa|maman|sa m[èe]re|son p[èe]re|ses parents) "
            r"(?:am[èe]ne|emm[èe]ne|d[ée]pose)\b|"
            r"\bnatation scolaire\b|\bsans l['’][ée]quipe\b|\bsans (?:l['’])?[ée]duc\w*|"
            r"\bhors (?:ditep|itep|dispositif)\b",
            re.IGNORECASE,
        ),
    ),
    # The drive said in the description ("dépose Y.M. et S.A. au collège", "aller-retour depuis
    # la maison", "accomp. en voiture", "train de 8h", "retours 16h30 -> domiciles", "trajet
    # école -> maison"): the session is a trip, read as a code (``cue|drive``; round 9). Not
    # someone else's drive ("déposé par sa mère", "par le taxi").
    (
        "drive",
        False,
        re.compile(
            r"\bd[ée]pos(?:e|es|er|[ée]e?s?)\b(?!\s+par\s+(?:sa|son|ses|le|la|les|un|une)\s+"
            r"(?:m[èe]re|p[èe]re|parents?|famille|taxis?|vsl|ambulance|chauffeur|grand))|"
            r"\ballers?[- /]retours?\b|\ba/r\b|\ben voiture\b|\btrains? de \d{1,2}\s*h|"
            r"(?:->|→)\s*(?:les\s+)?domiciles?\b|"
            # "trajet école -> maison"; not the trip learnt ("trajet Mosson -> Comédie en
            # autonomie", "apprend à faire le trajet collège -> maison seul").
            r"^(?!.*\b(?:autonomie|autonome|apprend\w*|apprenti\w*|seule?)\b).*\btrajets?\b[^.;]{0,40}(?:->|→)",
            re.IGNORECASE,
        ),
    ),
    # The DITEP's internat said in the description: its young people ("groupe internat Le Terril",
    # "les jeunes de l'internat", "sortie internat", "internes"): who the session is for, read as a
    # code (``cue|internat``; round 10). Not the semi-internat, nor an internat denied ("pas
    # d'internat", "hors temps d'internat"), nor another school's ("internat scolaire du lycée",
    # "internat MFR").
    (
        "internat",
        False,
        re.compile(
            r"(?<!semi-)(?<!semi )(?<!pas d')(?<!pas d’)(?<!temps d')(?<!temps d’)(?<!plus à l')"
            r"(?<!plus a l')\b(?:internat|internes)\b"
            r"(?!\s+(?:scolaire|du lyc|de lyc|mfr|du coll|de la mfr))",
            re.IGNORECASE,
        ),
    ),
    # The description opens with a name alone, a first name or a place, before a dash, a comma
    # or nothing ("Mikel", "Gorka - pelote Unai", "Karim - CAMSP + retour"): who or where a
    # vehicle of the DITEP is taken for, read as a code (``cue|named``; round 10). Not a
    # sentence ("Hugo accompagne", "Lou ne s'est pas présentée"), a label before a colon
    # ("Lien : https://…"), nor the vehicle's upkeep ("Garage Renault", "Révision").
    (
        "named",
        False,
        re.compile(
            r"^\W*(?!(?:Garage|R[ée]vision|Contr[ôo]le|Vidange|Pneus?|Panne|Indispo\w*|Annul\w*)\b)"
            r"[A-ZÉÈÎ][a-zéèêëïîôçñ]+\s*(?:$|[-–—,+/(])"
        ),
    ),
)


_VIDEO_HOST_LABEL = re.compile(r"visio\w*|jitsi|meet|webconf\w*|bbb|bigbluebutton")
"""A host's label naming a video server ("visio.ditep-domes.fr", "meet.ght-ouest.fr",
"jitsi.asso.org", "bbb.ac-lyon.fr"): a video tool the DITEP or a partner hosts itself, whose
host no list of tools can name (round 11)."""


def _host_labels(text: str) -> Iterator[list[str]]:
    """The labels of each link's host in the text, lower case, without "www."
    (``https://us02web.zoom.us/j/1`` gives ``["us02web", "zoom", "us"]``); none without a link."""
    if "http" not in text and "www." not in text:
        return
    for match in _LINK.finditer(text):
        yield match.group(1).lower().removeprefix("www.").split(".")


def _video_host(text: str) -> bool:
    """Whether a link of the text goes to a self-hosted video tool (a label of its host before
    the domain's own names a video server; the link's domain alone does not, "meet-up.fr")."""
    return any(
        _VIDEO_HOST_LABEL.fullmatch(label) is not None
        for labels in _host_labels(text)
        for label in labels[:-2]
    )


_CALL_WITH = re.compile(
    r"\bt[ée]l(?:[ée]phone)?\.?\s+(?:avec|[àa]|aux?)\s+(?![\d\s])|\bappel\s+avec\b|"
    r"^\W*t[ée]l(?:[ée]phone)?\.?\s+"
    r"(?!d'|d’|de\b|du\b|des\b|[àa]\b|aux?\b|n°|num|port|fixe|pro\b|perso)[^\W\d]|"
    # A description starting with "appel" and whom or what call ("appel référente MDMPH", "appel
    # conseillère ML, suite du stage", "appel hebdo"; round 10); not a call at a time or from
    # someone ("Appel à 23h40", "appel du CPE 10h": what led to the session).
    r"^\W*appels?\s+(?!(?:[àa]|aux?|de|du|des|d['’]|en|pour|sur|le|la|les|ce|cet|cette)\b)[^\W\d]",
    re.IGNORECASE,
)
"""A call said with whom ("tél avec la mère + évaluatrice MDPH", "tel référente MDPH", "appel
référente MDMPH"): a call, unless the description gives a phone number ("tél mère 06 12 34 56
78": a number to call)."""

_PHONE_NUMBER = re.compile(
    r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b|"
    # A number given with its last digits hidden ("06 72 .. .. ..", "06 xx xx xx xx"; round 12).
    r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?(?:\d{2}|\.\.|[xX]{2})){4}(?!\w)"
)


def link_codes(*texts: str) -> tuple[str, ...]:
    """``link|host`` for each link in the texts, and for the host's parent domains
    (``us02web.zoom.us`` gives ``link|us02web.zoom.us`` and ``link|zoom.us``): a video
    tool's link in a DUI description says the session is at a distance (the description's
    other cues: ``cue_codes``)."""
    found: list[str] = []
    for text in texts:
        for labels in _host_labels(text):
            for first in range(len(labels) - 1):
                code = "link|" + ".".join(labels[first:])
                if code not in found:
                    found.append(code)
    return tuple(found)


def cue_codes(*descriptions: str) -> tuple[str, ...]:
    """``cue|phone``, ``cue|video``, ``cue|home`` when a description says the session is a
    call ("par tél", "en visio", "Teams") or at home ("à domicile cette semaine"),
    ``cue|advice``, ``cue|absent``, ``cue|path``, ``cue|individual``, ``cue|sessad``,
    ``cue|own``, ``cue|drive``, ``cue|internat`` and ``cue|named`` when it says advice given, a
    no-show, an event of the young person's school path, one professional with him, the SESSAD,
    his own activity (his class, club or family, not the DITEP), a drive, the DITEP's internat,
    or opens with a name alone: read in the words around its links (a link's own "zoom" is a
    link, read by ``link_codes``); a link to a video server the DITEP hosts itself
    ("https://visio.ditep-domes.fr/rdv/482") is ``cue|video`` too."""
    words = [_WHOLE_LINK.sub(" ", text) for text in descriptions if text]
    found = {
        name
        for name, where, pattern in _CUES
        if any(
            _said(pattern, text) if where else pattern.search(text) is not None for text in words
        )
    }
    if "video" not in found and any(_video_host(text) for text in descriptions):
        found.add("video")
    if "phone" not in found and any(
        _CALL_WITH.search(text) is not None and _PHONE_NUMBER.search(text) is None for text in words
    ):
        found.add("phone")
    return tuple(CUE_CODE + name for name, _where, _pattern in _CUES if name in found)


_CUE_ORDER = tuple(CUE_CODE + name for name, _where, _pattern in _CUES)
"""The order ``cue_codes`` gives its codes in (video, home, phone, advice, absent, path,
individual, sessad, own, drive, internat, named)."""


def merged_cues(*found: tuple[str, ...]) -> tuple[str, ...]:
    """The cues of several descriptions read one by one, as ``cue_codes`` of them all gives
    them (the iCal fast path reads each DESCRIPTION as it comes, keeping no text)."""
    return tuple(code for code in _CUE_ORDER if any(code in codes for codes in found))


_WAY_HOME = re.compile(
    r"(?:retour|rentr\w*|raccompagn\w*|ramen\w*|ramass\w*|d[ée]pos\w*|reconduir\w*|trajet|"
    r"taxi)\W+(?:\w+\W+)?$",
    re.IGNORECASE,
)
"""Words just before a home that make it a way home ("retour à domicile", "raccompagner au
domicile", "déposer Léo chez sa mère"), not a session there."""


def _said(pattern: re.Pattern[str], text: str) -> bool:
    return any(
        _WAY_HOME.search(text[max(0, found.start() - 30) : found.start()]) is None
        for found in pattern.finditer(text)
    )
