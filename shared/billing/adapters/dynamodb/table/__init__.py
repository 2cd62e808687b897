"""The one table every repository shares: its client and requests (client.py), the key and index attribute
names (schema.py), attribute values and documents (attributes.py), error translation (errors.py), and the
capacity the requests cost (capacity.py)."""
