"""Developer tooling, not product code: benchmarks and seed data. Kept outside the app
packages and out of the image (.dockerignore); nothing in an app imports it at load time."""
