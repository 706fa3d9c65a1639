"""The HTML report: verdict first, every name escaped, the chart library inlined (nothing from the
network), and the charts' series one value a second of the timeline, pauses between slices marked.
(tests/functional/test_html_report.py draws it in Chromium.)"""
from __future__ import annotations

from analysis.reports.html import chart_data, render_html
from tests.report_fixture import report_result


def test_the_verdict_comes_first_and_names_are_escaped() -> None:
    result = report_result()
    result["spec_name"] = "<img src=x onerror=alert(1)>"
    page = render_html(result, "/* chart library */")
    assert page.index("class='verdict") < page.index("<h2>Summary</h2>") < page.index("<h2>Endpoints</h2>")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "/* chart library */" in page and "http://" not in page.split("<script>", 1)[1].split("</script>")[0]


def test_the_series_are_one_value_a_second_and_pauses_are_marked() -> None:
    result = report_result()
    data = chart_data(result)
    assert data["x"] == list(range(10)) and len(data["p95"]) == len(data["rate"]) == 10
    assert data["gaps"] == [] and data["target"] == []
    result["slices"] = [{"offset_s": 5.0, "gap_s": 1.5}, {"offset_s": 8.0, "gap_s": 0.01}]
    assert chart_data(result)["gaps"] == [{"x": 5.0, "s": 1.5}]  # a pause under 0.1 s is not one


def test_a_script_tag_in_a_name_cannot_end_the_embedded_data() -> None:
    result = report_result()
    result["endpoints"] = {"</script><b>x": result["overall"]}
    result["timeline"][0]["errors_by_class"] = {"</script>": 1}
    page = render_html(result, "")
    embedded = page.split("id='squall-data' type='application/json'>", 1)[1].split("</script>", 1)[0]
    assert "<\\/script>" in embedded
