"""The registered okr-tui themes (EGI blue), dark and light."""

from __future__ import annotations

from textual.theme import Theme

OKR_DARK = Theme(
    name="okr-dark",
    primary="#3A8FD9",
    secondary="#7FB2E5",
    accent="#F5A623",
    warning="#F5C04A",
    error="#E5534B",
    success="#57AB5A",
    foreground="#E6EDF3",
    background="#0D1B2A",
    surface="#13263A",
    panel="#1B3450",
    dark=True,
)

OKR_LIGHT = Theme(
    name="okr-light",
    primary="#005FAA",
    secondary="#0A559C",
    accent="#C46A00",
    warning="#B07D00",
    error="#C62828",
    success="#2E7D32",
    foreground="#1B1F24",
    background="#F7F9FC",
    surface="#FFFFFF",
    panel="#E3ECF6",
    dark=False,
)

THEMES = (OKR_DARK, OKR_LIGHT)
THEME_NAMES = tuple(t.name for t in THEMES)
