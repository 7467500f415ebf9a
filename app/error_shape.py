"""The shape of every JSON error, `{"error": {"code", "message", "fields"}}`, as a schema for the API's
documentation. A leaf module: the API extension (app.extensions) and the error helpers both use it."""

import marshmallow as ma


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "A stable machine-readable code, e.g. slug_taken."})
    message = ma.fields.String(metadata={"description": "What went wrong, for people."})
    fields = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), metadata={"description": "Field name to its problem."}
    )


class ErrorSchema(ma.Schema):
    """Every API error: {"error": {"code", "message", "fields"}}."""

    error = ma.fields.Nested(ErrorDetailSchema)
