"""The mail people expect, sent by the real worker over SMTP after the commit (issue 17)."""
from commissioning.accounts.models import Role
from commissioning.extensions import db
from commissioning.opportunities.operations import ask_clarification


def test_a_question_asked_reaches_the_commissioner_by_smtp_with_a_base_url_link(
        live_context, celery_worker_process, smtp_server, create_opportunity, create_user, create_organisation,
        give_documents):
    opp = create_opportunity()
    owner = create_user(Role.commissioner)
    opp.created_by_id = owner.id
    org = create_organisation("Kestrel Lane Youth Collective")
    give_documents(org)
    bidder = create_user(Role.provider, organisation=org, name="Ignatius Fairweather")
    db.session.commit()
    ask_clarification(opp, bidder, org, "Can two organisations bid together?")
    db.session.commit()
    [message] = [m for m in smtp_server.wait_for(To=owner.email) if m["To"] == owner.email]
    body = message.get_content()
    base = live_context.config["BASE_URL"].rstrip("/")
    assert message["Subject"] == f"Question to answer: {opp.title}"
    assert f"{base}/opportunities/{opp.id}/questions" in body
    assert org.name not in body and bidder.email not in body and bidder.name not in body
