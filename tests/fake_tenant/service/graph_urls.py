"""Microsoft Graph: the route table (method, path pattern -> handler), as moto's urls.py per service.

The pattern doubles as the stats key (``GET /v1.0/users/{id}/photo``); literal segments match
case-insensitively, as Graph does. ``mailbox=True`` marks the photo routes: Outlook's per-mailbox
concurrency (load model B) applies to them, keyed by the user ``{id}`` resolves to.
"""

from .routing import Route, RouteTable

USER = '/v1.0/users/{id}'


def graph_routes(directory, photos):
    return RouteTable(
        [
            Route('GET', '/v1.0/users', directory.list_users),
            Route('GET', USER, directory.get_user),
            Route('GET', USER + '/photo', photos.get_photo, mailbox=True),
            Route('DELETE', USER + '/photo', photos.delete_photo, mailbox=True),
            Route('GET', USER + '/photo/$value', photos.get_photo_value, mailbox=True),
            Route('PUT', USER + '/photo/$value', photos.put_photo, mailbox=True),
            Route('PATCH', USER + '/photo/$value', photos.put_photo, mailbox=True),
            Route('DELETE', USER + '/photo/$value', photos.delete_photo, mailbox=True),
            Route('GET', USER + '/photos', photos.list_photos, mailbox=True),
            Route('GET', USER + '/photos/{size}', photos.get_sized, mailbox=True),
            Route('GET', USER + '/photos/{size}/$value', photos.get_sized_value, mailbox=True),
            Route('GET', '/v1.0/groups', directory.list_groups),
            Route('GET', '/v1.0/groups/{id}', directory.get_group),
            Route('GET', '/v1.0/groups/{id}/members', directory.members),
            Route('GET', '/v1.0/groups/{id}/transitiveMembers', directory.transitive_members),
            # The batch handler is the Graph app itself (items go through the same table); see graph.py.
            Route('POST', '/v1.0/$batch', None),
            Route('GET', '/beta/admin/people/photoUpdateSettings', directory.get_settings),
            Route('PATCH', '/beta/admin/people/photoUpdateSettings', directory.patch_settings),
        ],
        case_insensitive=True,
    )
