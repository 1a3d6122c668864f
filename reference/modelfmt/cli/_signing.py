"""The signature commands of the `modelfmt` CLI: `keygen`, `sign`, `verify`, and the `--key` options of
`check` and `inspect` (SPEC.md §12). `cli/__init__.py` registers them; this module never imports it.

Exit codes (`ExitCode`): 0 success, 1 a file is invalid or fails verification, 2 usage error. A key file
that cannot be used is a usage error (the caller's input, not the model's fault) and is reported by
argparse, through the `type=` converters below. Only `ModelfmtError`, `KeyFileError` and `OSError`
are caught: an expected failure prints one clean line, a bug still shows its traceback. Paths and
everything a signature block claims (algorithm, key id, attributes) are printed through `shown`, messages
through `one_line` (SPEC.md §17.18).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO

from ..container._digests import Progress
from ..container._signfile import read_signatures, sign_file
from ..container._trust import Verification
from ..diagnose._check import CheckResult, check_file, signature_json
from ..format._display import terminal_line as one_line
from ..format._display import terminal_text as shown
from ..format._errors import ModelfmtError
from ..format._exit_codes import ExitCode
from ..signing import _keys
from ..signing._keys import KeyFileError, PublicKey, TrustedKeys
from ..signing._signatures import SignatureInfo, check_attributes, unsupported_text, utc_time
from ._terminal import print_json


class ProgressLine(Protocol):
    def finish(self) -> None: ...


# cli/__init__.py passes its progress indicator factory: (path) -> (callback, line to finish) or (None, None).
ProgressFor = Callable[[str], tuple[Progress | None, ProgressLine | None]]


# ---- arguments ------------------------------------------------------------------------------------------


def _public_keys_argument(value: str) -> list[PublicKey]:
    """argparse `type=` for --key PUB: a .pub file or a directory of them. Errors become usage errors."""
    try:
        return list(_keys.load_trusted_keys(value).values())
    except (KeyFileError, OSError) as exc:
        raise argparse.ArgumentTypeError(_describe(exc)) from None


def add_trust_options(parser: argparse.ArgumentParser, *, require: bool) -> None:
    """`--key PUB` (repeatable), and with `require` also `--require-signature`."""
    parser.add_argument(
        "--key",
        dest="trusted",
        action="append",
        type=_public_keys_argument,
        metavar="PUB",
        help="a trusted public key (.pub) or a directory of them; repeatable",
    )
    if require:
        parser.add_argument(
            "--require-signature",
            action="store_true",
            help="fail unless a signature by a --key verifies (implied by --key)",
        )


def trusted_keys(args: argparse.Namespace) -> TrustedKeys | None:
    """The keys given with --key, or None."""
    groups: list[list[PublicKey]] | None = args.trusted
    if not groups:
        return None
    return TrustedKeys(key for group in groups for key in group)


def _describe(exc: BaseException) -> str:
    """The cause of a failure as one escaped line."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{shown(str(exc.filename))}: {one_line(exc.strerror)}" if exc.filename else one_line(exc.strerror)
    return one_line(str(exc))


def _usage(command: str, message: str) -> int:
    print(f"modelfmt {command}: error: {message}", file=sys.stderr)
    return ExitCode.USAGE


def _passphrase(args: argparse.Namespace) -> str | None:
    """The passphrase from --passphrase-env VAR. Never from the command line, where `ps` shows it."""
    name: str | None = args.passphrase_env
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise KeyFileError(f"--passphrase-env {name}: the environment variable is not set or empty")
    return value


# ---- keygen ---------------------------------------------------------------------------------------------


def _cmd_keygen(args: argparse.Namespace) -> int:
    try:
        passphrase = _passphrase(args)
    except KeyFileError as exc:
        return _usage("keygen", _describe(exc))
    private_path = Path(f"{args.prefix}.key")
    public_path = Path(f"{args.prefix}.pub")
    if not args.force:
        for path in (private_path, public_path):
            if path.exists():
                return _usage("keygen", f"{shown(str(path))} exists; choose another PREFIX or pass --force")
    key = _keys.generate_key(args.algorithm)
    try:
        # The public key first: a failure then never leaves a private key without its public half.
        _keys.save_public_key(key, public_path, overwrite=args.force)
        _keys.save_private_key(key, private_path, passphrase=passphrase, overwrite=args.force)
    except OSError as exc:
        return _usage("keygen", _describe(exc))
    print(_keys.key_id(key))
    encrypted = "encrypted with the passphrase, " if passphrase else ""
    print(
        f"wrote {shown(str(private_path))} (private key, {encrypted}mode 0600: keep it secret) and "
        f"{shown(str(public_path))} "
        f"(public key: give it to verifiers); {_keys.algorithm_of(key)} key id printed above",
        file=sys.stderr,
    )
    return ExitCode.OK


# ---- sign -----------------------------------------------------------------------------------------------


def _signing_time() -> str:
    # SOURCE_DATE_EPOCH (reproducible-builds.org): a build that pins it gets byte-identical signed files.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.isdigit():
        return utc_time(datetime.datetime.fromtimestamp(int(epoch), datetime.UTC))
    return utc_time()


def _cmd_sign(args: argparse.Namespace, progress_for: ProgressFor) -> int:
    try:
        private_key = _keys.load_private_key(args.key, passphrase=_passphrase(args))
    except (KeyFileError, OSError) as exc:
        return _usage("sign", _describe(exc))
    attributes: dict[str, str] = {}
    if args.signer is not None:
        attributes["signer"] = args.signer
    if args.comment is not None:
        attributes["comment"] = args.comment
    if not args.no_time:
        attributes["time"] = _signing_time()
    try:
        check_attributes(attributes)
    except ValueError as exc:
        return _usage("sign", _describe(exc))
    status = ExitCode.OK
    for path in args.files:
        progress, line = progress_for(path)
        try:
            info = sign_file(path, private_key, attributes=attributes, progress=progress)
        except ModelfmtError as exc:
            print(_failure_line(path, "NOT SIGNED", exc), file=sys.stderr)
            status = ExitCode.FAILED
            continue
        except OSError as exc:
            print(f"{shown(path)}: NOT SIGNED cannot read or write: {_describe(exc)}", file=sys.stderr)
            status = ExitCode.FAILED
            continue
        finally:
            _finish(line)
        count = len(read_signatures(path))
        print(f"{shown(path)}: signed by {info.key_id} ({info.algorithm}); the file has {count} signature(s)")
    return status


# ---- verify and check --key ---------------------------------------------------------------------------


def signature_lines(result: CheckResult) -> str:
    """What `check --key` adds below the verdict line: the verified signature, and every entry's verdict."""
    if result.verification is not None:
        return "\n" + "\n".join(_verified_lines(result.verification))
    lines = entry_lines(result.signatures or ())
    return "".join(f"\n{line}" for line in lines)


def _verified_lines(verification: Verification) -> list[str]:
    lines = [f"  signed by {shown(verification.key_id)} ({shown(verification.algorithm)}): signature valid"]
    lines.extend(f"    {shown(key)}: {shown(value)}" for key, value in sorted(verification.attributes.items()))
    if len(verification.signatures) > 1:
        lines.extend(entry_lines(verification.signatures))
    return lines


# What a verifier concluded about each entry (SPEC.md §12.9 step 4), as `verify` and `check --key` say it.
_VERDICTS: dict[str, str] = {
    "verified": "valid, by a trusted key",
    "invalid": "INVALID: by a trusted key, and it does not verify",
    "untrusted": "not checked: the key is not one of the --key keys",
    "unchecked": "not checked: give --key PUB to check it",
}


def _verdict_text(info: SignatureInfo) -> str:
    if info.status == "unsupported":
        return f"not checked: {one_line(unsupported_text(info.algorithm))}"
    return _VERDICTS[info.status]


def entry_lines(infos: tuple[SignatureInfo, ...]) -> list[str]:
    """Every entry of the block with its verdict, so that no entry goes unmentioned: the block is not
    signed, and an entry nobody checked must not pass for one that was (SPEC.md §12.9, §17.21)."""
    if not infos:
        return []
    count = f"{len(infos)} entry" if len(infos) == 1 else f"{len(infos)} entries"
    lines = [f"  signature block, {count} (the block itself is not covered by any signature):"]
    lines.extend(
        f"    {number}. {shown(info.key_id)} ({shown(info.algorithm)}): {_verdict_text(info)}"
        for number, info in enumerate(infos, 1)
    )
    return lines


def _failure_line(path: str, verdict: str, exc: ModelfmtError) -> str:
    text = f"{shown(path)}: {verdict} {exc.code}: {one_line(str(exc))}"
    return text if exc.hint is None else f"{text} ({one_line(exc.hint)})"


def _finish(line: ProgressLine | None) -> None:
    if line is not None:
        line.finish()


def _print_verdict(path: str, result: CheckResult) -> None:
    """The text `verify` prints for one file: failures on standard error, every entry's verdict with them."""
    if result.os_error is not None:
        print(f"{shown(path)}: FAILED cannot read: {_describe(result.os_error)}", file=sys.stderr)
    elif result.error is not None:
        reason = _failure_line(path, "FAILED", result.error)
        if result.detected is not None:
            reason = f"{shown(path)}: FAILED {result.error.code}: {one_line(result.detected.description)}"
        print("\n".join([reason, *entry_lines(result.signatures or ())]), file=sys.stderr)
    else:
        assert result.verification is not None and result.header is not None
        header = result.header
        print(
            f"{shown(path)}: VERIFIED modelfmt {header.major}.{header.minor}, {len(header.tensors)} tensors, "
            "all digests match"
        )
        print("\n".join(_verified_lines(result.verification)))


def _cmd_verify(args: argparse.Namespace, progress_for: ProgressFor) -> int:
    trusted = trusted_keys(args)
    if trusted is None:
        return _usage("verify", "give at least one trusted public key with --key PUB")
    results: list[CheckResult] = []
    for path in args.files:
        progress, line = progress_for(path) if not args.json else (None, None)
        try:
            result = check_file(path, trusted, progress=progress)
        finally:
            _finish(line)
        results.append(result)
        if not args.json:
            _print_verdict(path, result)
    if args.json:
        # The report of `check --json` with keys: `signature` for the one that verified, `signatures` for
        # every entry's verdict (success or failure), `error` for the reason a file failed.
        print_json([result.as_json() for result in results])
    return ExitCode.OK if all(result.valid for result in results) else ExitCode.FAILED


# ---- inspect --------------------------------------------------------------------------------------------


def _status_text(info: SignatureInfo) -> str:
    return {
        "verified": "signature valid for a --key (tensor digests not checked here: run `modelfmt verify`)",
        "invalid": "INVALID: made by a --key but does not verify",
        "untrusted": "not checked: the key is not one of the --key keys",
        "unchecked": "not checked: give --key PUB to check it",
        "unsupported": f"not checked: {one_line(unsupported_text(info.algorithm))}",
    }[info.status]


def print_signatures(infos: tuple[SignatureInfo, ...], out: TextIO) -> None:
    """The `signatures` section of `inspect`. Attributes are marked verified only under a valid
    signature by a key the user gave; otherwise they are claims."""
    if not infos:
        out.write("signatures: none (the file is not signed)\n")
        return
    out.write(f"signatures ({len(infos)})\n")
    for number, info in enumerate(infos, 1):
        out.write(f"  {number}. {shown(info.algorithm)}  key {shown(info.key_id)}\n")
        out.write(f"     {_status_text(info)}\n")
        mark = "verified" if info.verified else "unverified claim"
        for key, value in sorted(info.attributes.items()):
            out.write(f"     {shown(key)}: {shown(value)}  ({mark})\n")


def signatures_json(infos: tuple[SignatureInfo, ...]) -> list[dict[str, object]]:
    return [signature_json(info) for info in infos]


# ---- registration ---------------------------------------------------------------------------------------


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser], progress_for: ProgressFor) -> None:
    """Register keygen, sign and verify on the subparsers of `cli/__init__.py`."""
    keygen = commands.add_parser("keygen", help="create a signing key pair (PREFIX.key, PREFIX.pub)")
    keygen.add_argument("prefix", metavar="PREFIX", help="writes PREFIX.key (private) and PREFIX.pub (public)")
    keygen.add_argument(
        "--algorithm", choices=("ed25519", "ecdsa-p256"), default="ed25519", help="default: ed25519"
    )
    keygen.add_argument("--passphrase-env", metavar="VAR", help="encrypt the private key with the passphrase in $VAR")
    keygen.add_argument("--force", action="store_true", help="overwrite existing key files")
    keygen.set_defaults(run=_cmd_keygen)

    sign = commands.add_parser("sign", help="add a signature to files (atomically; existing signatures kept)")
    sign.add_argument("files", nargs="+", metavar="FILE")
    sign.add_argument("--key", required=True, metavar="KEY", help="the private key (PREFIX.key)")
    sign.add_argument("--passphrase-env", metavar="VAR", help="the private key's passphrase is in $VAR")
    sign.add_argument("--signer", metavar="NAME", help="a signed `signer` attribute, e.g. 'Example Org releases'")
    sign.add_argument("--comment", metavar="TEXT", help="a signed `comment` attribute")
    sign.add_argument(
        "--no-time", action="store_true", help="do not record the signing time (default: now, or SOURCE_DATE_EPOCH)"
    )
    sign.set_defaults(run=functools.partial(_cmd_sign, progress_for=progress_for))

    verify = commands.add_parser(
        "verify", help="check that files are signed by a trusted key and that every tensor digest matches"
    )
    verify.add_argument("files", nargs="+", metavar="FILE")
    verify.add_argument("--json", action="store_true", help="print one JSON report per file, every signature's verdict")
    add_trust_options(verify, require=False)
    verify.set_defaults(run=functools.partial(_cmd_verify, progress_for=progress_for))


def require_signature_usage(args: argparse.Namespace) -> int | None:
    """For `check`: --require-signature without --key is a usage error (a signature proves nothing
    without a key the user trusts). Returns an exit code, or None to proceed."""
    if args.require_signature and trusted_keys(args) is None:
        return _usage("check", "--require-signature needs --key PUB: only a key you trust can vouch for a file")
    return None
