"""Roles are Django groups carrying permissions; code checks permissions, never group names."""

from django.contrib.auth.models import Group, Permission

REFERRAL_WORK = [
    "signposting.add_referral",
    "signposting.view_referral",
    "signposting.add_outcomeevent",
    "signposting.view_outcomeevent",
    "directory.view_service",
]
DIRECTORY_EDITING = [
    f"directory.{action}_{model}"
    for model in ("service", "location", "schedule", "organisation", "need", "taxonomymapping")
    for action in ("add", "change", "view")
] + [
    "directory.view_area",
    "directory.view_gppractice",
    "directory.view_dataimport",
    "directory.view_source",
    "directory.view_listingproblem",
    "directory.view_reviewdecision",
    # Opening times and locations are rows of a service: removing one is editing the service.
    "directory.delete_schedule",
    "directory.delete_location",
]

ROLES: dict[str, list[str]] = {
    "Link worker": REFERRAL_WORK,
    "Clinician": REFERRAL_WORK,
    "Network lead": ["signposting.view_reports", "directory.view_service"],
    "Directory editor": DIRECTORY_EDITING,
    "Administrator": ["*"],
}


def setup_roles(**kwargs) -> None:
    """Create or refresh the role groups and their permissions (idempotent)."""
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if codes == ["*"]:
            permissions = Permission.objects.all()
        else:
            permissions = []
            for code in codes:
                app_label, codename = code.split(".")
                permission = Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if permission is not None:
                    permissions.append(permission)
        group.permissions.set(permissions)


def start_page(user) -> str | None:
    """Return the URL name of the page where this user's work starts, or None for the public
    home page.

    Administrators start at the admin; people who record referrals (link workers and
    clinicians) at the search; network leads at the reports; directory editors at the review
    queue. Permissions decide, in that order: an administrator holds them all."""
    if not user.is_authenticated:
        return None
    if user.is_staff and (user.is_superuser or user.has_perm("auth.change_user")):
        return "admin:index"
    if user.has_perm("signposting.add_referral"):
        return "search"
    if user.has_perm("signposting.view_reports"):
        return "dashboard"
    if user.has_perm("directory.change_service"):
        return "review-queue"
    return None
