"""GitHub's nested account and repository objects, complete to its REST API description.

``simple-user`` (18 required fields) and ``minimal-repository`` (46 required fields) as listed in
../shared/github-api/NESTED.md (github/rest-api-description, components simple-user and minimal-repository);
the URL templates are the ones api.github.com prints (e.g. ``{/other_user}``, ``{archive_format}{/ref}``).
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["node_id", "simple_user", "minimal_repository", "REPO_ID", "OWNER_ID", "ACTOR"]

REPO_ID = 1296269
OWNER_ID = 9919
ACTOR = ("ghrunner-sim-user", 583231)
"""Login and id of the user who dispatches every run (GitHub: the ``User`` or ``Bot`` behind the token)."""

# minimal-repository's *_url fields and the suffix GitHub prints after the repository's API URL
_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
    "hooks_url": "/hooks",
}
# simple-user's *_url fields after the user's API URL
_USER_URLS = {
    "followers_url": "/followers",
    "following_url": "/following{/other_user}",
    "gists_url": "/gists{/gist_id}",
    "starred_url": "/starred{/owner}{/repo}",
    "subscriptions_url": "/subscriptions",
    "organizations_url": "/orgs",
    "repos_url": "/repos",
    "events_url": "/events{/privacy}",
    "received_events_url": "/received_events",
}


def node_id(kind: str, number: int) -> str:
    return hashlib.blake2s(f"{kind}:{number}".encode(), digest_size=12).hexdigest()


def simple_user(base: str, web: str, login: str, user_id: int, kind: str = "User") -> dict[str, Any]:
    """A ``simple-user``: ``kind`` is ``User``, ``Bot`` or ``Organization``."""
    url = f"{base}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": node_id("user", user_id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{web}/{login}",
        **{name: url + suffix for name, suffix in _USER_URLS.items()},
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def minimal_repository(base: str, web: str, owner: str, name: str) -> dict[str, Any]:
    """A ``minimal-repository`` owned by the organisation ``owner``."""
    url = f"{base}/repos/{owner}/{name}"
    return {
        "id": REPO_ID,
        "node_id": node_id("repo", REPO_ID),
        "name": name,
        "full_name": f"{owner}/{name}",
        "private": True,
        "owner": simple_user(base, web, owner, OWNER_ID, "Organization"),
        "html_url": f"{web}/{owner}/{name}",
        "description": None,
        "fork": False,
        "url": url,
        **{field: url + suffix for field, suffix in _REPO_URLS.items()},
    }
