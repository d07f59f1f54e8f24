"""Evidence uploads: type checks by content, limits, content-addressed storage."""

# The intent the website triggers in a conversation whose refund form waits for evidence when
# files arrive on the upload page (domain.yml maps the evidence slot from it). It carries the
# customer as a claim the website signs from the upload grant (bot.security.identity), on the
# channel `UPLOAD_CHANNEL`.
EVIDENCE_UPLOADED_INTENT = "evidence_uploaded"
UPLOAD_CHANNEL = "upload"
