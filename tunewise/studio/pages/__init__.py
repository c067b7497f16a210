"""The studio's pages, one module per room; the app includes every router listed here."""

from tunewise.studio.pages import chat, experiments, live, login, new, rate, runs

ROUTERS = [login.router, experiments.router, runs.router, new.router, live.router, chat.router, rate.router]
