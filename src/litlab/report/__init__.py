"""Reports on run folders: what each job of a run, sweep or search did, as a table, CSV,
Markdown and figures (`python report.py DIR`), and the failure count at a sweep's end."""
