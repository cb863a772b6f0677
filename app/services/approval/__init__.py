"""Auto-approval (无人干预自动审批): decision models over shared data, explained and audited."""
