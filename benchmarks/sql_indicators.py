"""The ten health indicators in DuckDB SQL, straight from a client folder's CSV files.

An independent second computation of what ``kalib health`` computes (METHOD.md §3), for the
benchmark (``bench_duckdb.py``) and the suite's cross-check (``tests/test_duckdb_check.py``).
It reads the files written by ``kalib.demo.write_client(..., fmt="csv", headers="zh")``
(Chinese headers, amounts in 元, ISO dates) and uses nothing from kalib: the period, the sales
target and the head count are passed in, the method's parameters are the defaults of
``kalib/method.yaml`` written out below.

    python benchmarks/sql_indicators.py FOLDER 2024-01-01 2024-12-31   # prints the values as JSON
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from pathlib import Path

# The method's defaults (kalib/method.yaml › indicators)
TOP_N = 10                # top10_share.top_n, wallet_share.top_n
PROMOTER_MIN = 9          # nps.promoter_min
DETRACTOR_MAX = 6         # nps.detractor_max
PRODUCT_FRACTION = 0.3    # core_product_share.product_fraction
TIE_TOLERANCE = 1e-9      # indicator 9: equal to the mean is not above it

# Full-width ASCII (U+FF01–U+FF5E) and the ideographic space, folded to half-width as a product name is matched.
_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "

FILES = {"revenue": "收入.csv", "opportunities": "销售机会.csv", "customers": "客户.csv", "products": "产品.csv",
         "salespeople": "销售人员.csv", "nps": "NPS调查.csv"}


def _key(expr: str) -> str:
    """A product name folded for matching: half-width, lower case, no spaces or punctuation."""
    half = _HALF.replace("'", "''")
    return f"regexp_replace(lower(translate({expr}, '{_FULL}', '{half}')), '[[:space:][:punct:]_]+', '', 'g')"


def _views(con, folder: Path) -> None:
    def src(name: str) -> str:
        path = str(folder / FILES[name]).replace("'", "''")
        return f"read_csv('{path}', header=true, all_varchar=true, quote='\"', escape='\"')"

    con.execute(f"""CREATE VIEW rev AS SELECT CAST("日期" AS DATE) AS d, "客户名称" AS customer, "产品" AS product,
                    CAST("金额" AS DOUBLE) AS amount, "销售员" AS salesperson FROM {src('revenue')}""")
    con.execute(f"""CREATE VIEW opp AS SELECT CAST("金额" AS DOUBLE) AS amount,
                    CASE "状态" WHEN '赢单' THEN 'won' WHEN '丢单' THEN 'lost' WHEN '进行中' THEN 'open' END AS status,
                    "销售阶段" = '放弃' AS withdrawn,
                    coalesce(CAST("关闭日期" AS DATE), CAST("预计成交日期" AS DATE)) AS closed_or_expected
                    FROM {src('opportunities')}""")
    con.execute(f"""CREATE VIEW cust AS SELECT "客户名称" AS customer, CAST("品类采购额估计" AS DOUBLE) AS wallet,
                    row_number() OVER () AS n FROM {src('customers')}""")
    con.execute(f"""CREATE VIEW prod AS SELECT "产品" AS product, "核心产品" = '是' AS core,
                    {_key('"产品"')} AS k FROM {src('products')}""")
    con.execute(f"""CREATE VIEW reps AS SELECT "姓名" AS name, CAST("入职日期" AS DATE) AS hired,
                    CAST("离职日期" AS DATE) AS left_on FROM {src('salespeople')}""")
    con.execute(f"""CREATE VIEW nps AS SELECT CAST("日期" AS DATE) AS d, CAST("评分" AS DOUBLE) AS score
                    FROM {src('nps')}""")


def indicators(folder: str | Path, start: str, end: str, prev_start: str, prev_end: str, *, years: float,
               sales_target: float, employees: int, threads: int | None = None) -> dict[str, float]:
    """The ten indicators' values for the period [start, end] (previous period [prev_start, prev_end])."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    _views(con, Path(folder))
    dates = {k: f"DATE '{date.fromisoformat(v).isoformat()}'"
             for k, v in {"S": start, "E": end, "PS": prev_start, "PE": prev_end}.items()}
    sql = lambda text: text.replace("{S}", dates["S"]).replace("{E}", dates["E"]).replace(  # noqa: E731
        "{PS}", dates["PS"]).replace("{PE}", dates["PE"])
    one = lambda text: con.execute(sql(text)).fetchone()  # noqa: E731

    # The period's revenue once, as a table: every revenue indicator reads it.
    con.execute(sql("""CREATE TEMP TABLE cur AS SELECT customer, product, amount, salesperson FROM rev
                   WHERE d BETWEEN {S} AND {E}"""))
    con.execute("""CREATE TEMP TABLE bc AS SELECT customer, sum(amount) AS amount FROM cur
                   WHERE customer IS NOT NULL GROUP BY customer""")
    (total,) = one("SELECT sum(amount) FROM cur")
    out: dict[str, float] = {}

    (top,) = one(f"SELECT sum(amount) FROM (SELECT amount FROM bc ORDER BY amount DESC LIMIT {TOP_N})")
    out["top10_share"] = top / total

    prev_n, renewed = one("""WITH pr AS (SELECT customer FROM rev WHERE d BETWEEN {PS} AND {PE}
                                         AND customer IS NOT NULL GROUP BY customer HAVING sum(amount) > 0)
                             SELECT count(*), count(*) FILTER (WHERE customer IN (SELECT customer FROM bc
                                                                                  WHERE amount > 0)) FROM pr""")
    out["renewal_rate"] = renewed / prev_n

    (median,) = con.execute(f"""
        WITH top AS (SELECT customer, amount FROM bc WHERE amount > 0 ORDER BY amount DESC LIMIT {TOP_N}),
             w AS (SELECT customer, wallet FROM (SELECT customer, wallet, row_number() OVER
                       (PARTITION BY customer ORDER BY n) AS k FROM cust WHERE customer IS NOT NULL) WHERE k = 1),
             s AS (SELECT (top.amount / $y) / w.wallet AS share FROM top JOIN w USING (customer) WHERE w.wallet > 0),
             o AS (SELECT share, row_number() OVER (ORDER BY share) AS i, count(*) OVER () AS m FROM s)
        SELECT avg(share) FROM o WHERE i IN ((m + 1) // 2, m // 2 + 1)""", {"y": years}).fetchone()
    out["wallet_share"] = median

    n, prom, det = one(f"""SELECT count(*), count(*) FILTER (WHERE score >= {PROMOTER_MIN}),
                                  count(*) FILTER (WHERE score <= {DETRACTOR_MAX}) FROM nps
                           WHERE d BETWEEN {{S}} AND {{E}} AND score BETWEEN 0 AND 10""")
    out["nps"] = (prom - det) / n

    # deals we withdrew from (stage 放弃, NoGo) are neither won nor lost (method.yaml: count_as_lost false)
    won, lost = one("""SELECT count(*) FILTER (WHERE status = 'won'),
                              count(*) FILTER (WHERE status = 'lost' AND NOT coalesce(withdrawn, false)) FROM opp
                       WHERE status IN ('won', 'lost')
                         AND closed_or_expected BETWEEN {S} AND {E}""")
    out["win_rate"] = won / (won + lost)

    (open_amount,) = one("SELECT sum(amount) FROM opp WHERE status = 'open'")
    out["pipeline_coverage"] = open_amount / (float(sales_target) * years)

    con.execute(sql("""CREATE TEMP TABLE names AS SELECT DISTINCT name FROM reps WHERE name IS NOT NULL
                   AND (hired IS NULL OR hired <= {E}) AND (left_on IS NULL OR left_on >= {S})"""))
    (n_reps,) = one("SELECT count(*) FROM names")
    out["sales_per_rep"] = total / n_reps / years
    out["output_per_employee"] = total / employees / years

    (above,) = one(f"""WITH per AS (SELECT names.name, coalesce(s.amount, 0.0) AS amount FROM names LEFT JOIN
                          (SELECT salesperson, sum(amount) AS amount FROM cur WHERE salesperson IS NOT NULL
                           GROUP BY salesperson) s ON s.salesperson = names.name),
                            m AS (SELECT sum(amount) / count(*) AS mean FROM per)
                       SELECT count(*) FROM per, m
                       WHERE per.amount > m.mean + {TIE_TOLERANCE} * greatest(1.0, abs(m.mean))""")
    out["reps_above_mean"] = above / n_reps

    (n_core,) = one("SELECT count(DISTINCT product) FROM prod WHERE core")
    k = max(1, math.ceil(round(PRODUCT_FRACTION * n_core, 9)))
    (top_products,) = one(f"""
        WITH matched AS (SELECT coalesce(prod.product, cur.product) AS product, cur.amount FROM cur
                         LEFT JOIN (SELECT k, min(product) AS product FROM prod GROUP BY k) prod
                         ON prod.k = {_key('cur.product')} WHERE cur.product IS NOT NULL),
             byp AS (SELECT product, sum(amount) AS amount FROM matched GROUP BY product),
             core AS (SELECT DISTINCT product FROM prod WHERE core)
        SELECT sum(amount) FROM (SELECT coalesce(byp.amount, 0.0) AS amount FROM core LEFT JOIN byp USING (product)
                                 ORDER BY amount DESC LIMIT {k})""")
    out["core_product_share"] = top_products / total
    con.close()
    return out


def main(argv: list[str]) -> int:
    import yaml

    folder, start, end = argv[0], argv[1], argv[2]
    meta = yaml.safe_load((Path(folder) / "client.yml").read_text(encoding="utf-8"))
    y0, y1 = int(start[:4]), int(end[:4])
    prev = (f"{y0 - (y1 - y0 + 1)}{start[4:]}", f"{y0 - 1}{end[4:]}")
    vals = indicators(folder, start, end, *prev, years=float(y1 - y0 + 1), sales_target=meta["sales_target"],
                      employees=meta["employees"])
    print(json.dumps(vals, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
