"""World knowledge the faithful rewrites lean on: countries with their demonyms and capitals,
organisations with their acronyms.

General knowledge written as data, kept apart from the claim checks' own tables
(``metrics/names.py``) so that a control tests the checks instead of repeating them. A
country may have several names (``Britain``, ``UK``, ``United Kingdom``); the first is the
one a rewrite writes. Only unambiguous pairs: no capital that is contested or that shares
its name with a state (``Washington`` is left out), no demonym that is a common word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Country:
    names: tuple[str, ...]
    demonym: str
    capital: str


def _countries(lines: str) -> tuple[Country, ...]:
    found = []
    for line in lines.strip().splitlines():
        names, demonym, capital = (part.strip() for part in line.split("|"))
        found.append(Country(tuple(n.strip() for n in names.split(",")), demonym, capital))
    return tuple(found)


COUNTRIES = _countries(
    """
    Afghanistan | Afghan | Kabul
    Argentina | Argentine | Buenos Aires
    Australia | Australian | Canberra
    Austria | Austrian | Vienna
    Belgium | Belgian | Brussels
    Brazil | Brazilian | Brasilia
    Britain, UK, United Kingdom | British | London
    Canada | Canadian | Ottawa
    China | Chinese | Beijing
    Cuba | Cuban | Havana
    Denmark | Danish | Copenhagen
    Egypt | Egyptian | Cairo
    England | English | London
    Ethiopia | Ethiopian | Addis Ababa
    Finland | Finnish | Helsinki
    France | French | Paris
    Germany | German | Berlin
    Greece | Greek | Athens
    Hungary | Hungarian | Budapest
    Iran | Iranian | Tehran
    Iraq | Iraqi | Baghdad
    Ireland | Irish | Dublin
    Italy | Italian | Rome
    Japan | Japanese | Tokyo
    Kenya | Kenyan | Nairobi
    Lebanon | Lebanese | Beirut
    Libya | Libyan | Tripoli
    Netherlands, Holland | Dutch | Amsterdam
    Nigeria | Nigerian | Abuja
    Norway | Norwegian | Oslo
    Pakistan | Pakistani | Islamabad
    Poland | Polish | Warsaw
    Portugal | Portuguese | Lisbon
    Russia | Russian | Moscow
    Saudi Arabia | Saudi | Riyadh
    Scotland | Scottish | Edinburgh
    South Korea | South Korean | Seoul
    North Korea | North Korean | Pyongyang
    Spain | Spanish | Madrid
    Sweden | Swedish | Stockholm
    Switzerland | Swiss | Bern
    Syria | Syrian | Damascus
    Thailand | Thai | Bangkok
    Turkey | Turkish | Ankara
    Ukraine | Ukrainian | Kiev
    Wales | Welsh | Cardiff
    Yemen | Yemeni | Sanaa
    Zimbabwe | Zimbabwean | Harare
    """
)


@dataclass(frozen=True)
class Acronym:
    short: str
    full: str
    the: bool  # the short form takes "the" ("the EU"; not "Nato")


def _acronyms(lines: str) -> tuple[Acronym, ...]:
    found = []
    for line in lines.strip().splitlines():
        short, full, the = (part.strip() for part in line.split("|"))
        found.append(Acronym(short, full, the == "the"))
    return tuple(found)


ACRONYMS = _acronyms(
    """
    EU | European Union | the
    UN | United Nations | the
    NHS | National Health Service | the
    FBI | Federal Bureau of Investigation | the
    CIA | Central Intelligence Agency | the
    BBC | British Broadcasting Corporation | the
    IMF | International Monetary Fund | the
    WHO | World Health Organization | the
    NATO | North Atlantic Treaty Organization | -
    NASA | National Aeronautics and Space Administration | -
    FA | Football Association | the
    NFL | National Football League | the
    NBA | National Basketball Association | the
    SEC | Securities and Exchange Commission | the
    ECB | European Central Bank | the
    MoD | Ministry of Defence | the
    RSPCA | Royal Society for the Prevention of Cruelty to Animals | the
    US | United States | the
    UK | United Kingdom | the
    """
)


@cache
def _by_name() -> dict[str, Country]:
    found: dict[str, Country] = {}
    for country in COUNTRIES:
        for name in (*country.names, country.demonym, country.capital):
            found.setdefault(name.lower(), country)
    return found


def country(name: str) -> Country | None:
    """The country a name, demonym or capital belongs to (``Danish``: Denmark)."""
    return _by_name().get(name.lower().removeprefix("the "))


def same_place(a: str, b: str) -> bool:
    """Two names of one country: its names, its demonym, its capital (``Moscow`` for
    ``Russia`` is metonymy, not another actor)."""
    ca, cb = country(a), country(b)
    return ca is not None and ca == cb
