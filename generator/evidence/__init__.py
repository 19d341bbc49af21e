"""Evidence: what the backups actually did, read from the backup tools' own output.

A client file says what is promised; evidence says what happened. The records
(`records`) are imported from the tools' exports (`formats`, through
`importing`), kept one JSON object per line under `evidence/<client-id>/`
beside the client files (`store`), and read by the rules that measure the
promise against them. Evidence is a record, never terms: it changes no
agreement and no fingerprint.
"""
