"""The SQLite adapter's plumbing: the database and its transactions (database.py), the SQL functions each
connection registers, the fault-mapping cursor, the -shm guard, the migrations runner, and keyset paging."""
