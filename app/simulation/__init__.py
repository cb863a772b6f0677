"""The district simulator: a seeded synthetic district lives through the real service layer, and the
action plan's KPIs are measured from the database it leaves (also shown live on /kpis)."""
