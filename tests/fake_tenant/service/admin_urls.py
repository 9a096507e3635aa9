"""/_fake/*, the test-only control API: the route table (method, path pattern -> handler).

Admin calls are never counted in the stats, never authenticated, delayed or faulted.
"""

from .routing import Route, RouteTable


def admin_routes(admin):
    return RouteTable(
        [
            Route('GET', '/_fake/stats', admin.stats),
            Route('POST', '/_fake/reset-stats', admin.reset_stats),
            Route('GET', '/_fake/config', admin.get_config),
            Route('POST', '/_fake/config', admin.set_config),
            Route('POST', '/_fake/rotate-signing-key', admin.rotate_signing_key),
            Route('GET', '/_fake/info', admin.info),
            Route('POST', '/_fake/users', admin.add_users),
            Route('GET', '/_fake/users/{upn}/photo-info', admin.photo_info),
            Route('PUT', '/_fake/users/{upn}/photo', admin.set_photo),
            Route('DELETE', '/_fake/users/{upn}/photo', admin.set_photo),
        ]
    )
