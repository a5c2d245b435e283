"""Adapters of UsersTable: users, email guards, access states, refresh-token families."""
