"""SDK conformance (issue 9): Microsoft's own Python SDK (msgraph-sdk with azure-identity) against the fake tenant.

If the fake answers in a shape the SDK cannot parse, or differs from the documented service where the SDK relies
on it, a test here fails. Known SDK bugs are expected failures naming the SDK issue; the fake does not work around
them. Run with PYTHONPATH=tests (make conformance)."""

import asyncio
import io
import json
import os

import httpx
import pytest
from azure.identity import CertificateCredential, ClientSecretCredential
from fake_tenant import CERT_APP_ID, DEMO_APP_ID, DEMO_APP_SECRET, FakeTenant
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import GraphClientFactory
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem
from PIL import Image

SCOPES = ['https://graph.microsoft.com/.default']
ALICE = 'alice@contoso.example'


def jpeg(color=(200, 40, 40), size=(120, 120)):
    out = io.BytesIO()
    Image.new('RGB', size, color).save(out, 'JPEG', quality=90)
    return out.getvalue()


@pytest.fixture(scope='module', name='tenant')
def tenant_fixture(tmp_path_factory):
    with FakeTenant(str(tmp_path_factory.mktemp('sdk-tenant')), retry_after=0.05) as running:
        yield running


class Sdk:
    """A GraphServiceClient on the fake tenant; ``sent`` holds every request the SDK put on the wire."""

    def __init__(self, tenant, credential):
        self.sent = []
        self.loop = asyncio.new_event_loop()  # one loop for the client's lifetime: httpx binds its pool to it

        async def record(request):
            await request.aread()
            self.sent.append(request)

        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(verify=tenant.ca_file, timeout=30, event_hooks={'request': [record]})
        )
        auth = AzureIdentityAuthenticationProvider(credential, scopes=SCOPES, allowed_hosts=['127.0.0.1'])
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = tenant.graph_url + '/v1.0'
        self.client = GraphServiceClient(request_adapter=adapter)

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)


def secret_credential(tenant):
    return ClientSecretCredential(
        tenant.tenant_id,
        DEMO_APP_ID,
        DEMO_APP_SECRET,
        authority=tenant.authority_host,
        disable_instance_discovery=True,
        connection_verify=tenant.ca_file,
    )


@pytest.fixture(name='sdk')
def sdk_fixture(tenant):
    sdk = Sdk(tenant, secret_credential(tenant))
    yield sdk
    sdk.loop.close()


def test_sign_in_with_certificate(tenant):
    pem = os.path.join(tenant.state_dir, 'client-cert.pem')
    credential = CertificateCredential(
        tenant.tenant_id,
        CERT_APP_ID,
        certificate_path=pem,
        authority=tenant.authority_host,
        disable_instance_discovery=True,
        connection_verify=tenant.ca_file,
    )
    tenant.reset_stats()
    sdk = Sdk(tenant, credential)
    user = sdk.run(sdk.client.users.by_user_id(ALICE).get())
    sdk.loop.close()
    assert user.user_principal_name == ALICE
    assert sum(tenant.stats()['assertions'].values()) == 1


def test_users_by_id_and_upn_with_and_without_select(sdk):
    by_upn = sdk.run(sdk.client.users.by_user_id(ALICE).get())
    assert isinstance(by_upn, User) and by_upn.display_name == 'Alice Anderson'
    # Documented default set (item 10): no mailNickname unless selected; businessPhones is part of it.
    assert by_upn.mail_nickname is None and by_upn.business_phones is not None
    by_id = sdk.run(sdk.client.users.by_user_id(by_upn.id).get())
    assert by_id.user_principal_name == ALICE
    config = RequestConfiguration(query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(select=['id', 'mailNickname']))
    selected = sdk.run(sdk.client.users.by_user_id(ALICE).get(request_configuration=config))
    assert selected.mail_nickname == 'alice' and selected.display_name is None


def test_paging(sdk, tenant):
    async def all_users():
        config = RequestConfiguration(query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(top=3))
        page = await sdk.client.users.get(request_configuration=config)
        users, pages = list(page.value), 1
        while page.odata_next_link:
            page = await sdk.client.users.with_url(page.odata_next_link).get()
            users += page.value
            pages += 1
        return users, pages

    users, pages = sdk.run(all_users())
    assert pages >= 2 and len(users) == len({u.id for u in users}) == len(tenant.store.users)


def test_group_members(sdk):
    async def members():
        groups = await sdk.client.groups.get()
        staff = [g for g in groups.value if g.display_name == 'Photo Managed Staff'][0]
        return (await sdk.client.groups.by_group_id(staff.id).members.get()).value

    found = sdk.run(members())
    assert found and all(isinstance(m, User) for m in found if m.odata_type == '#microsoft.graph.user')
    assert any(getattr(m, 'user_principal_name', None) == ALICE for m in found)


def _as_jpeg():
    config = RequestConfiguration()
    config.headers.add('Content-Type', 'image/jpeg')
    return config


def test_photo_put_metadata_content_delete(sdk):
    photo = sdk.client.users.by_user_id('bob@contoso.example').photo
    sdk.run(photo.content.put(jpeg(), request_configuration=_as_jpeg()))
    assert sdk.sent[-1].headers['content-type'] == 'image/jpeg'
    meta = sdk.run(photo.get())
    assert meta.width == meta.height == 120 and meta.id
    assert meta.additional_data.get('@odata.mediaEtag') and meta.additional_data['@odata.id'].endswith("')/photo")  # item 15
    data = sdk.run(photo.content.get())
    assert Image.open(io.BytesIO(data)).size == (120, 120)
    sdk.run(photo.content.delete())
    with pytest.raises(ODataError) as gone:
        sdk.run(photo.get())
    assert gone.value.response_status_code == 404 and gone.value.error.code == 'ImageNotFound'


def test_documented_errors_on_the_photo_endpoints(tenant):
    from fake_tenant import READONLY_APP_ID, READONLY_APP_SECRET  # pylint: disable=import-outside-toplevel

    readonly = Sdk(
        tenant,
        ClientSecretCredential(
            tenant.tenant_id,
            READONLY_APP_ID,
            READONLY_APP_SECRET,
            authority=tenant.authority_host,
            disable_instance_discovery=True,
            connection_verify=tenant.ca_file,
        ),
    )
    photo = readonly.client.users.by_user_id(ALICE).photo
    with pytest.raises(ODataError) as denied:  # item 13: Exchange's 403 on the photo endpoints
        readonly.run(photo.content.put(jpeg(), request_configuration=_as_jpeg()))
    assert denied.value.response_status_code == 403 and denied.value.error.code == 'ErrorAccessDenied'
    readonly.loop.close()
    sdk = Sdk(tenant, secret_credential(tenant))
    with pytest.raises(ODataError) as invalid:  # item 15: a readable message, no Python object representation
        sdk.run(sdk.client.users.by_user_id(ALICE).photo.content.put(b'not a photo', request_configuration=_as_jpeg()))
    assert invalid.value.response_status_code == 400 and 'object at 0x' not in invalid.value.error.message
    sdk.loop.close()


def test_mailbox_concurrency_429_code(tmp_path):
    """Item 12: the MailboxConcurrency 429 carries ApplicationThrottled; the SDK retries it and reports the code."""
    with FakeTenant(str(tmp_path / 't'), load_model='B', mailbox_concurrency=1, latency_ms=300, retry_after=0.05) as tenant:
        sdk = Sdk(tenant, secret_credential(tenant))
        sdk.run(sdk.client.users.by_user_id(ALICE).get())

        async def four_at_once():
            photo = sdk.client.users.by_user_id(ALICE).photo
            return await asyncio.gather(*[photo.get() for dummy in range(4)], return_exceptions=True)

        answers = sdk.run(four_at_once())
        sdk.loop.close()
        stats = tenant.stats()
    assert stats['throttled_by_reason'].get('mailbox_concurrency'), stats
    # The SDK's retry handler waited and retried: every call ended in the fake's 404 (no photo), none in a 429.
    assert all(isinstance(a, ODataError) and a.error.code == 'ImageNotFound' for a in answers), answers


@pytest.mark.xfail(
    strict=True,
    reason='msgraph-sdk sends photo content as application/octet-stream by default, which Graph refuses '
    '(msgraph-sdk-dotnet#237, the same generated request builder in every Kiota SDK); not worked around in the fake',
)
def test_photo_put_with_the_sdk_default_content_type(sdk):
    sdk.run(sdk.client.users.by_user_id('carol@contoso.example').photo.content.put(jpeg()))


@pytest.mark.parametrize('setting', ['ImageNotFound', 'Request_ResourceNotFound'])
def test_no_photo_and_unknown_user_errors_parse_as_odata_errors(sdk, tenant, setting):
    tenant.set_config(unknown_user_photo=setting)
    try:
        with pytest.raises(ODataError) as no_photo:
            sdk.run(sdk.client.users.by_user_id('dave@contoso.example').photo.get())
        assert no_photo.value.error.code == 'ImageNotFound' and no_photo.value.error.inner_error
        with pytest.raises(ODataError) as unknown:
            sdk.run(sdk.client.users.by_user_id('nobody@contoso.example').photo.content.get())
        assert unknown.value.response_status_code == 404 and unknown.value.error.code == setting
        with pytest.raises(ODataError) as directory:
            sdk.run(sdk.client.users.by_user_id('nobody@contoso.example').get())
        assert directory.value.error.code == 'Request_ResourceNotFound'
    finally:
        tenant.set_config(unknown_user_photo='Request_ResourceNotFound')


def test_documented_empty_photo_parses(sdk, tenant):
    tenant.set_config(empty_photo='gif')
    try:
        meta = sdk.run(sdk.client.users.by_user_id('erin@contoso.example').photo.get())
        assert meta.width == 1 and meta.additional_data.get('@odata.mediaEtag') == ''
    finally:
        tenant.set_config(empty_photo='404')


def test_throttled_request_is_retried_by_the_sdk(sdk, tenant):
    sdk.run(sdk.client.users.by_user_id(ALICE).get())  # signed in before the burst
    tenant.set_config(fault_429_rate=1.0, fault_429_burst=3)
    headers = {'Authorization': 'Bearer ' + tenant.token()}
    first = httpx.get(tenant.graph_url + '/v1.0/users/' + ALICE, headers=headers, verify=tenant.ca_file, timeout=30)
    assert first.status_code == 429
    tenant.set_config(fault_429_rate=0.0)  # two 429s of the burst are left, for the SDK
    tenant.reset_stats()
    user = sdk.run(sdk.client.users.by_user_id(ALICE).get())
    assert user.user_principal_name == ALICE
    stats = tenant.stats()
    assert stats['by_status'].get('429') == 2 and stats['by_status'].get('200') == 1, stats


def _patch_batch(sdk):
    info = sdk.client.users.by_user_id(ALICE).to_patch_request_information(User(job_title='Photographer'))
    content = BatchRequestContent()
    content.add_request('1', BatchRequestItem(request_information=info, id='1'))
    return content


def test_batch_items_keep_their_json_bodies(sdk):
    """Dropped JSON bodies (msgraph-sdk-python#1120, msgraph-sdk-python-core#833) are fixed in the pinned
    msgraph-core (msgraph-sdk-python-core#959): checked on what the SDK puts on the wire."""
    try:
        sdk.run(sdk.client.batch.post(_patch_batch(sdk)))
    except Exception:  # pylint: disable=broad-exception-caught  # the answer is the next test's question
        pass
    batches = [r for r in sdk.sent if r.url.path.endswith('/$batch')]
    item = json.loads(batches[-1].content)['requests'][0]
    assert item['body']['jobTitle'] == 'Photographer' and item['headers']['content-type'] == 'application/json'


@pytest.mark.xfail(
    strict=True,
    raises=Exception,
    reason="msgraph-sdk's batch items carry 'depends_on' instead of Graph's 'dependsOn' (msgraph-sdk-python-core#700, "
    'fix proposed in msgraph-sdk-python-core#996); the fake refuses unknown item keys as a batch must, and is not '
    'changed to accept it',
)
def test_batch_is_accepted(sdk):
    answer = sdk.run(sdk.client.batch.post(_patch_batch(sdk)))
    assert answer is not None
