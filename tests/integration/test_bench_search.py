"""`make bench`'s search section: every page of every search is one Query (plus one BatchGetItem of
the listings when the search items serve it), never a Scan, and the searches find listings."""

from __future__ import annotations

from bench import report, search


def test_the_search_bench_pages_with_one_query_and_one_batch_read():
    result = search.run(listings=60, page_size=10, max_pages=2)

    rows = {row["search"]: row for row in result["searches"]}
    assert set(rows) == {label for label, _ in search.SEARCHES}
    plain = rows["browse, newest first (the listing indexes, unchanged)"]
    assert (plain["queries_per_page"], plain["batch_gets_per_page"]) == ("1", "0")
    for label, row in rows.items():
        assert row["scans"] == 0, label
        if row is not plain:
            # A page that matched nothing names no listing to read.
            assert row["batch_gets_per_page"] == ("1" if row["listings_returned"] else "0"), label
    assert rows["browse, by price"]["listings_returned"] == 20
    assert rows["one word (prefix)"]["listings_returned"] > 0
    assert "| one word (prefix) |" in report.search_table(result)
