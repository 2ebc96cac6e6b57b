"""A study's results: its data loaded from the database into the pure analysis' inputs (loading), the
computed results cached per data version (cache), their codes in words (verdict), the pages and
charts (views, charts), the API's document (document) and the export downloads (exports_views)."""
