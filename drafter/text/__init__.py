"""Text: number wording (GB/T 15835), the sandboxed Jinja environment, section templates."""
