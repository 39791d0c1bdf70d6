"""DirectoryRevision.current() reads the token in one statement: the same text as the ORM's
token, on SQLite and PostgreSQL, and "" before the first change."""

import uuid

from directory.models import DirectoryRevision


def test_the_token_is_the_orms_and_changes_with_each_bump(db):
    DirectoryRevision.bump()
    first = DirectoryRevision.current()
    assert first == str(DirectoryRevision.objects.get(pk=1).token)
    assert str(uuid.UUID(first)) == first  # with its hyphens, as str(UUID) writes it
    DirectoryRevision.bump()
    second = DirectoryRevision.current()
    assert second != first
    assert second == str(DirectoryRevision.objects.get(pk=1).token)


def test_no_revision_yet_is_an_empty_token(db):
    DirectoryRevision.objects.all().delete()
    assert DirectoryRevision.current() == ""
    DirectoryRevision.bump()  # the first change makes the row
    assert DirectoryRevision.current() == str(DirectoryRevision.objects.get(pk=1).token)
    DirectoryRevision.objects.filter(pk=1).update(token=uuid.UUID(int=5))
    assert DirectoryRevision.current() == "00000000-0000-0000-0000-000000000005"
