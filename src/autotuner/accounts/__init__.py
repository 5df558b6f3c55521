"""Who may use the service: users and their passwords, teams and roles, API tokens, browser
sessions, sign-in (single-user mode until the first admin exists), and the audit log."""
