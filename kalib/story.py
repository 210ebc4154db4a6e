"""The course's story: one customer and one of its deals followed from notebook to notebook.

client.yml may name them (``course: {story_customer: ..., story_opportunity: ...}``); without the setting
the story deal is the largest open evaluated deal and the story customer the top customer of the highest
value tier (see the two functions for the exact rules).  Both work for any client, so the notebooks read the story through them instead of typing a name.

>>> import kalib
>>> c = kalib.load_client("demo")
>>> story_customer(c), story_opportunity(c)
('宁波博远精密电子有限公司', 'OPP-00643')
"""

from __future__ import annotations

import pandas as pd

from .client import Client
from .deals import default_opportunity

__all__ = ["named_story_customer", "story_customer", "story_opportunity"]


def _named(client: Client, key: str) -> str | None:
    return (getattr(client.meta, "course", None) or {}).get(key)


def _opportunities(client: Client) -> pd.DataFrame | None:
    return client.tables["opportunities"] if client.has("opportunities") else None


def _customer_of(client: Client, opportunity_id: str) -> str | None:
    o = _opportunities(client)
    if o is None or "customer" not in o.columns:
        return None
    m = o[o["opportunity_id"].astype("object").map(str) == str(opportunity_id)]
    if not len(m) or pd.isna(m["customer"].iloc[0]):
        return None
    return str(m["customer"].iloc[0])


def _top_diamond(client: Client) -> str | None:
    """The customer of the highest value tier with the largest yearly value (None without revenue)."""
    from .accounts import customer_value

    if not client.has("revenue"):
        return None
    t = customer_value(client).table
    t = t[t["customer"].notna()]
    if not len(t):
        return None
    for tier in client.config.tiers():
        m = t[t["tier"] == tier["key"]]
        if len(m):
            return str(m.sort_values("value", ascending=False)["customer"].iloc[0])
    return str(t.sort_values("value", ascending=False)["customer"].iloc[0])


def story_opportunity(client: Client) -> str | None:
    """The deal the course reviews: client.yml's ``course.story_opportunity``; else the largest open evaluated
    deal of ``course.story_customer`` when that is set and has one; else the largest open evaluated deal
    (:func:`kalib.deals.default_opportunity`); None when no deal is evaluated.

    Raises ValueError when client.yml names a deal the data do not have (None when the client has no deals
    at all).
    """
    named = _named(client, "story_opportunity")
    if named is not None:
        ids = set()
        for table in ("opportunities", "deal_scores", "stakeholders"):
            if client.has(table):
                ids |= set(client.tables[table]["opportunity_id"].astype("object").map(str))
        if not any(client.has(t) for t in ("opportunities", "deal_scores", "stakeholders")):
            return None  # a client without deals: nothing to follow, not a mistake in client.yml
        if named not in ids:
            raise ValueError(f"client.yml › course › story_opportunity: {named!r} is not in this client's "
                             f"opportunities, deal scores or stakeholders")
        return named
    customer = _named(client, "story_customer")
    if customer is not None and client.has("deal_scores") and client.has("opportunities"):
        o = client.tables["opportunities"]
        scored = set(client.tables["deal_scores"]["opportunity_id"].astype("object").map(str))
        m = o[(o["customer"].astype("object").map(str) == customer)
              & o["opportunity_id"].astype("object").map(str).isin(scored)]
        if "status" in m.columns:
            m = m[m["status"] == "open"]
        if len(m):
            m = m.assign(_amt=m["amount"].astype(float).fillna(-1.0),
                         _id=m["opportunity_id"].astype("object").map(str))
            return str(m.sort_values(["_amt", "_id"], ascending=[False, True])["_id"].iloc[0])
    return default_opportunity(client)


def named_story_customer(client: Client) -> str | None:
    """The customer client.yml's ``course:`` names (``story_customer``, or the customer of ``story_opportunity``),
    else None: the notebooks that follow a slipping key account use it before their own choice."""
    if _named(client, "story_customer") is None and _named(client, "story_opportunity") is None:
        return None
    return story_customer(client)


def story_customer(client: Client) -> str | None:
    """The customer the course follows: client.yml's ``course.story_customer``; else the customer of
    ``course.story_opportunity`` when that is set; else the top customer of the highest value tier (the top
    diamond customer with the default tiers); None without revenue.

    Raises ValueError when client.yml names a customer the data does not have.
    """
    named = _named(client, "story_customer")
    if named is not None:
        names = set()
        for table in ("customers", "revenue", "opportunities"):
            if client.has(table) and "customer" in client.tables[table].columns:
                names |= set(client.tables[table]["customer"].dropna().astype("object").map(str))
        if named not in names:
            raise ValueError(f"client.yml › course › story_customer: {named!r} is not a customer in this "
                             f"client's data")
        return named
    if _named(client, "story_opportunity") is not None:
        who = _customer_of(client, story_opportunity(client) or "")
        if who is not None:
            return who
    return _top_diamond(client)
