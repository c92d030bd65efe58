"""Smart Notes verification engine (framework-free; no Django, Celery or project imports)."""
