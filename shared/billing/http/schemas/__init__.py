"""Request and response bodies of the API (pydantic at the boundary; domain objects inside), one module per
resource; `fields` holds the field types they share and `base` their base models. A class's name is its schema's
name in the OpenAPI document: renaming one changes the document.
"""
