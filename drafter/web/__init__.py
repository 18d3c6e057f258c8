"""`drafter serve`: a local web application for staff and reviewers (起草, 预览, 核对, 数字).

`app.create_app` builds the Starlette application, `server.serve` runs it with uvicorn,
`pages` renders the Jinja templates (also for `drafter preview --html`), `jobs` keeps
builds, checks and downloads, `uploads` inspects an uploaded draft before it is opened.
"""
