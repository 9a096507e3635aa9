"""Key and certificate material.

The CA is created once per state directory and reused, so clients that were
given ca.pem keep trusting restarted tenants.  The token signing key is NOT
kept here: it is generated per start (see tokens.py).
"""

import base64
import datetime
import hashlib
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .fsutil import atomic_write

CA_CERT = 'ca.pem'
CA_KEY = 'ca-key.pem'
SERVER_CERT = 'server.pem'
SERVER_KEY = 'server-key.pem'
EXTERNAL_IDP_KEY = 'external-idp-key.pem'
PFX_PASSWORD = 'pfx-password'
SERVER_NAMES = ('127.0.0.1', '::1', 'localhost')


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def load_or_create_rsa_key(path):
    if os.path.exists(path):
        with open(path, 'rb') as handle:
            return serialization.load_pem_private_key(handle.read(), password=None)
    key = new_rsa_key()
    atomic_write(path, _pem_key(key), private=True)
    return key


def thumbprints(cert):
    """SHA-1 hex (what msal's "thumbprint" takes), and the x5t / x5t#S256 header values."""
    der = cert.public_bytes(serialization.Encoding.DER)
    sha1 = hashlib.sha1(der).digest()  # nosec - certificate thumbprint, not a security hash
    sha256 = hashlib.sha256(der).digest()
    return {'sha1_hex': sha1.hex().upper(), 'x5t': b64url(sha1), 'x5t#S256': b64url(sha256)}


def _builder(subject, issuer, public_key, days):
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # Back-dated so small clock differences never make a fresh cert "not yet valid".
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
    )


def ensure_ca(state_dir):
    cert_path = os.path.join(state_dir, CA_CERT)
    key_path = os.path.join(state_dir, CA_KEY)
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, 'rb') as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        with open(key_path, 'rb') as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
        return cert, key
    # EC keys: generation is instant, unlike RSA, and clients do not care.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Fake M365 Tenant Test CA')])
    cert = (
        _builder(name, name, key.public_key(), 3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    atomic_write(key_path, _pem_key(key), private=True)
    atomic_write(cert_path, _pem_cert(cert))
    return cert, key


def _server_cert_usable(cert_path, ca_cert):
    try:
        with open(cert_path, 'rb') as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
    except (OSError, ValueError):
        return False
    if cert.issuer != ca_cert.subject:
        return False
    return cert.not_valid_after_utc > _now() + datetime.timedelta(days=1)


def ensure_server_cert(state_dir, ca_cert, ca_key):
    cert_path = os.path.join(state_dir, SERVER_CERT)
    key_path = os.path.join(state_dir, SERVER_KEY)
    if os.path.exists(key_path) and _server_cert_usable(cert_path, ca_cert):
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName('localhost')] + [x509.IPAddress(ipaddress.ip_address(a)) for a in SERVER_NAMES if a != 'localhost']
    cert = (
        _builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]), ca_cert.subject, key.public_key(), 825)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    atomic_write(key_path, _pem_key(key), private=True)
    atomic_write(cert_path, _pem_cert(cert))
    return cert_path, key_path


def ensure_client_cert(state_dir, pem_name, common_name):
    """Self-signed RSA client certificate for certificate-credential apps.

    Writes <pem_name> (private key + certificate) and the same name with .pfx.
    Returns the public certificate PEM; that is all the tenant registers.
    """
    pem_path = os.path.join(state_dir, pem_name)
    pfx_path = os.path.splitext(pem_path)[0] + '.pfx'
    if os.path.exists(pem_path):
        with open(pem_path, 'rb') as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
    else:
        key = new_rsa_key()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        cert = (
            _builder(name, name, key.public_key(), 730)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        pfx = pkcs12.serialize_key_and_certificates(
            common_name.encode('utf-8'), key, cert, None, serialization.BestAvailableEncryption(PFX_PASSWORD.encode('ascii'))
        )
        atomic_write(pfx_path, pfx, private=True)
        atomic_write(pem_path, _pem_key(key) + _pem_cert(cert), private=True)
    return _pem_cert(cert).decode('ascii')


def load_certificate(pem_text):
    return x509.load_pem_x509_certificate(pem_text.encode('ascii') if isinstance(pem_text, str) else pem_text)


def public_jwk(public_key, kid):
    numbers = public_key.public_numbers()

    def _int(value):
        return b64url(value.to_bytes((value.bit_length() + 7) // 8, 'big'))

    return {'kty': 'RSA', 'use': 'sig', 'kid': kid, 'n': _int(numbers.n), 'e': _int(numbers.e)}
