"""A bleak backend over bumble's in-process link: bleak's API with virtual sensors.

bleak 3.1 has no bumble backend; this module implements bleak's
``BaseBleakScanner`` and ``BaseBleakClient`` on a bumble central device living
on a :class:`~stridecheck.live.virtual.VirtualLink`. Code written against
``BleakScanner(..., backend=...)`` / ``BleakClient(..., backend=...)`` runs
unchanged against the virtual sensors::

    link = VirtualLink()
    await link.add(VirtualHeartRateStrap("SC-HR 1", "F0:5C:00:00:00:01"))
    backend = bumble_backend(link)
    async with BleakClient("F0:5C:00:00:00:01", backend=backend.client) as client:
        await client.start_notify("2a37", callback)

Two traps of the virtual radio are handled here:

* the virtual controller sends no scan response, so the scanner scans
  *passively* and the sensors put their name and service UUIDs in the
  advertising data;
* when a link drops, bumble's GATT client keeps waiting for responses on the
  dead link (30 s per request), so every GATT call of the client is cancelled
  when the connection's ``disconnection`` event fires and raises ``BleakError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import core, gatt
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.hci import Address

from stridecheck.live.backends import SensorBackend
from stridecheck.live.virtual import VirtualLink

__all__ = ["BumbleBleakClient", "BumbleBleakScanner", "bumble_backend", "bumble_uuid_str"]

_T = TypeVar("_T")

_PROPERTY_NAMES: tuple[tuple[gatt.Characteristic.Properties, str], ...] = (
    (gatt.Characteristic.Properties.BROADCAST, "broadcast"),
    (gatt.Characteristic.Properties.READ, "read"),
    (gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE, "write-without-response"),
    (gatt.Characteristic.Properties.WRITE, "write"),
    (gatt.Characteristic.Properties.NOTIFY, "notify"),
    (gatt.Characteristic.Properties.INDICATE, "indicate"),
    (gatt.Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES, "authenticated-signed-writes"),
    (gatt.Characteristic.Properties.EXTENDED_PROPERTIES, "extended-properties"),
)


def bumble_uuid_str(uuid: core.UUID) -> str:
    """bleak's 128-bit lower-case string form of a bumble UUID."""
    h = uuid.to_bytes(force_128=True)[::-1].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _address_text(address: Address) -> str:
    return address.to_string(with_type_qualifier=False)


def _advertisement_data(adv: Advertisement) -> AdvertisementData:
    data = adv.data
    name_raw = data.get(AdvertisingData.COMPLETE_LOCAL_NAME, raw=True) or data.get(
        AdvertisingData.SHORTENED_LOCAL_NAME, raw=True
    )
    name = bytes(name_raw).decode("utf-8", errors="replace") if name_raw else None
    uuids: list[str] = []
    for kind in (
        AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    ):
        for raw in data.get_all(kind, raw=True):
            for (short,) in struct.iter_unpack("<H", bytes(raw)[: len(raw) // 2 * 2]):
                text = f"0000{short:04x}-0000-1000-8000-00805f9b34fb"
                if text not in uuids:
                    uuids.append(text)
    manufacturer: dict[int, bytes] = {}
    for raw in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA, raw=True):
        if len(raw) >= 2:
            manufacturer[int.from_bytes(raw[:2], "little")] = bytes(raw[2:])
    service_data: dict[str, bytes] = {}
    for raw in data.get_all(AdvertisingData.SERVICE_DATA_16_BIT_UUID, raw=True):
        if len(raw) >= 2:
            short = int.from_bytes(raw[:2], "little")
            service_data[f"0000{short:04x}-0000-1000-8000-00805f9b34fb"] = bytes(raw[2:])
    tx_raw = data.get(AdvertisingData.TX_POWER_LEVEL, raw=True)
    tx_power = struct.unpack("<b", bytes(tx_raw)[:1])[0] if tx_raw else None
    return AdvertisementData(
        local_name=name,
        manufacturer_data=manufacturer,
        service_data=service_data,
        service_uuids=uuids,
        tx_power=tx_power,
        rssi=int(adv.rssi),
        platform_data=(adv,),
    )


class BumbleBleakScanner(BaseBleakScanner):
    """bleak scanner backend listening on a :class:`VirtualLink`'s central (passively).

    Use a subclass bound to a link, as made by :func:`bumble_backend`.
    """

    link: ClassVar[VirtualLink | None] = None

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "passive",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._central: Device | None = None

    @classmethod
    def _link(cls) -> VirtualLink:
        if cls.link is None:
            raise BleakError("bumble backend not bound to a VirtualLink: use bumble_backend()")
        return cls.link

    async def start(self) -> None:
        """Start passive scanning (the virtual controller sends no scan response)."""
        link = self._link()
        central = await link.central()
        self.seen_devices = {}
        central.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        self._central = central
        async with link.scan_lock:  # scanners share the central: scan while any is on
            link.scanners += 1
            if link.scanners == 1:
                await central.start_scanning(active=False, filter_duplicates=False)

    async def stop(self) -> None:
        """Stop scanning."""
        central, self._central = self._central, None
        if central is None:
            return
        central.remove_listener(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        link = self._link()
        async with link.scan_lock:
            link.scanners -= 1
            if link.scanners == 0:
                with contextlib.suppress(core.BaseBumbleError):
                    await central.stop_scanning()

    def _on_advertisement(self, adv: Advertisement) -> None:
        ad = _advertisement_data(adv)
        if not self.is_allowed_uuid(ad.service_uuids):
            return
        address = _address_text(adv.address)
        device = self.create_or_update_device(address, address, ad.local_name, adv.address, ad)
        self.call_detection_callbacks(device, ad)


class BumbleBleakClient(BaseBleakClient):
    """bleak client backend connecting over a :class:`VirtualLink`.

    Use a subclass bound to a link, as made by :func:`bumble_backend`.
    Every GATT operation is aborted with ``BleakError`` when the link drops.
    """

    link: ClassVar[VirtualLink | None] = None

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        services: set[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._closing = False
        self._service_filter = services
        self._subscribers: dict[int, Callable[[bytes], None]] = {}

    @classmethod
    def _link(cls) -> VirtualLink:
        if cls.link is None:
            raise BleakError("bumble backend not bound to a VirtualLink: use bumble_backend()")
        return cls.link

    # -- properties ----------------------------------------------------------------

    @property
    def name(self) -> str:
        """The sensor's advertised name (its address when unknown)."""
        sensor = self._link().find(self.address)
        return sensor.name if sensor is not None else self.address

    @property
    def mtu_size(self) -> int:
        """Negotiated ATT MTU (23 when not connected). [byte]"""
        return int(self._connection.att_mtu) if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        """True while the link is up."""
        return self._connection is not None

    # -- connection ----------------------------------------------------------------

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Connect, discover every service, characteristic and descriptor.

        Raises
        ------
        BleakDeviceNotFoundError
            No sensor with this address on the link.
        BleakError
            The connection or the discovery failed (or the link dropped meanwhile).
        """
        link = self._link()
        if link.find(self.address) is None:
            raise BleakDeviceNotFoundError(self.address, f"no virtual sensor at {self.address}")
        central = await link.central()
        self._closing = False
        async with link.connect_lock:
            try:
                connection = await asyncio.wait_for(
                    central.connect(Address(self.address), timeout=self._timeout), self._timeout
                )
            except (TimeoutError, core.BaseBumbleError) as exc:
                raise BleakError(f"could not connect to {self.address}: {exc!r}") from exc
        self._connection = connection
        self._peer = Peer(connection)
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            self.services = await self._guard(self._discover(self._peer))
            if pair:
                await self.pair()
        except BaseException:
            await self.disconnect()
            raise

    async def _discover(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        await peer.discover_services()
        for service in peer.services:
            service_uuid = bumble_uuid_str(service.uuid)
            if self._service_filter and service_uuid not in self._service_filter:
                continue
            await service.discover_characteristics()
            b_service = BleakGATTService(service, service.handle, service_uuid)
            collection.add_service(b_service)
            for char in service.characteristics:
                await char.discover_descriptors()
                properties = [n for flag, n in _PROPERTY_NAMES if char.properties & flag]
                b_char = BleakGATTCharacteristic(
                    char,
                    char.handle,
                    bumble_uuid_str(char.uuid),
                    properties,  # type: ignore[arg-type]
                    lambda: self.mtu_size - 3,
                    b_service,
                )
                collection.add_characteristic(b_char)
                for desc in char.descriptors:
                    collection.add_descriptor(
                        BleakGATTDescriptor(desc, desc.handle, bumble_uuid_str(desc.type), b_char)
                    )
        return collection

    def _on_disconnection(self, _reason: int) -> None:
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        if not self._closing and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        """Disconnect (no effect when already disconnected)."""
        self._closing = True
        connection = self._connection
        if connection is None:
            return
        with contextlib.suppress(core.BaseBumbleError, TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(connection.disconnect(), self._timeout)
        self._connection = None
        self._peer = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Pair (bumble's Security Manager, "just works")."""
        connection = self._require_connection()
        await self._guard(connection.pair())

    async def unpair(self) -> None:
        """Forget the keys of this sensor, if the central keeps a key store."""
        central = await self._link().central()
        if central.keystore is not None:
            with contextlib.suppress(KeyError):
                await central.keystore.delete(self.address)

    # -- GATT ----------------------------------------------------------------------

    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise BleakError(f"{self.address}: not connected")
        return self._connection

    def _require_peer(self) -> Peer:
        self._require_connection()
        assert self._peer is not None
        return self._peer

    async def _guard(self, awaitable: Awaitable[_T]) -> _T:
        """Await a GATT operation, aborting it with BleakError if the link drops."""
        connection = self._require_connection()
        future = connection.cancel_on_disconnection(awaitable)
        try:
            return await future
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise BleakError(f"{self.address}: disconnected during a GATT operation") from None
        except core.BaseBumbleError as exc:
            raise BleakError(f"{self.address}: {exc!r}") from exc

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a characteristic value."""
        peer = self._require_peer()
        return bytearray(await self._guard(peer.read_value(characteristic.handle)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a descriptor value."""
        peer = self._require_peer()
        return bytearray(await self._guard(peer.read_value(descriptor.handle)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        """Write a characteristic value, with or without response."""
        peer = self._require_peer()
        await self._guard(
            peer.write_value(characteristic.handle, bytes(data), with_response=response)
        )

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        """Write a descriptor value (with response)."""
        peer = self._require_peer()
        await self._guard(peer.write_value(descriptor.handle, bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe; ``callback`` gets each value as a ``bytearray``."""
        peer = self._require_peer()

        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        await self._guard(peer.subscribe(characteristic.obj, subscriber))
        self._subscribers[characteristic.handle] = subscriber

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Unsubscribe."""
        peer = self._require_peer()
        subscriber = self._subscribers.pop(characteristic.handle, None)
        await self._guard(peer.unsubscribe(characteristic.obj, subscriber))


def bumble_backend(link: VirtualLink) -> SensorBackend:
    """bleak backend classes bound to ``link``, as a :class:`SensorBackend`."""
    scanner = type("BoundBumbleBleakScanner", (BumbleBleakScanner,), {"link": link})
    client = type("BoundBumbleBleakClient", (BumbleBleakClient,), {"link": link})
    return SensorBackend(name="bumble", scanner=scanner, client=client, handle=link)
