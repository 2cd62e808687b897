-- Before issue 17 the idempotency record of POST /v1/api-keys kept its reply, the key's secret included.
-- Such records are deleted with secure_delete on (Debian's SQLite has it on by default, not every build),
-- so that the secret's bytes are zeroed in the file's pages, not left in free space. A retry of one of
-- those requests runs again and makes a new key (the old key's id was random, nothing finds it).
-- Numbered 0011: 0010 is the billing runs' (issue 17 too); versions need not be contiguous.
PRAGMA secure_delete = ON;
DELETE FROM idempotency_records WHERE instr(replace(response_data, ' ', ''), '\"key\":\"sk_') > 0;
