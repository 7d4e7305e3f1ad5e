"""What every tape-widget alert must do as a person sees it, checked in one place."""
from .test_notebooks_browser import contrast
from .test_widgets import check_clean, inspector_title, marked, wait_until


def check_alert_reads_and_inspects(page, browser, widget, alert, theme, *, fix, op, shot,
                                   node=None, cue="show the node ›"):
    """The alert's text reaches WCAG contrast 4.5; it says a click shows its node, in link
    colour (`cue`: a NaN alert's node is selected when the view opens, "selected below ›");
    its fix (starting `fix`) reads on a line of its own, under what happened; a click selects
    its node (`node`, or any) and inspects `op`; the screenshot is `shot`."""
    ratio = contrast(alert)["ratio"]
    assert ratio >= 4.5, f"the alert at {ratio:.2f}:1 in the {theme} theme"
    said = alert.locator(".tv-alert-go")   # what a click does, said before the pointer is on it
    wait_until(page, lambda: said.text_content() == cue, f"the alert's cue {cue!r}")
    assert said.is_visible()
    ratio = contrast(said)["ratio"]
    assert ratio >= 4.5, f"the alert's 'show the node' at {ratio:.2f}:1 in the {theme} theme"
    fix_line = alert.locator(".tv-alert-fix")
    assert fix_line.text_content().startswith(fix), fix_line.text_content()
    kind = alert.locator(".tv-alert-kind").bounding_box()
    assert fix_line.bounding_box()["y"] >= kind["y"] + kind["height"], \
        (fix_line.bounding_box(), kind)
    alert.scroll_into_view_if_needed()
    alert.click()
    wait_until(page, lambda: marked(widget, "tv-selected") == node if node else
               marked(widget, "tv-selected") != "", "the alert's node")
    wait_until(page, lambda: op in inspector_title(widget), f"{op} inspected")
    page.screenshot(widget, shot)
    check_clean(page, browser)
