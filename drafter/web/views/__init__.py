"""The pages of `drafter serve`, one module per page; `drafter.web.app` registers their routes."""
