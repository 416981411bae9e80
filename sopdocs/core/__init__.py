"""The core: an SOP file read into a model with source positions, and what every
capability shares about it (schema, configuration, handbook profiles, review dates,
finding files, the clock, git history). Nothing here imports a capability."""
