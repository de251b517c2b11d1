# Pure helpers: tables, values and SQL text that need no model. The business steps that
# use them are model methods in models/, which another module overrides with super().
