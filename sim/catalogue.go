package sim

// The English catalogue of narration: a sentence in technical terms and
// one in the analogy's, for each kind of event and the cases it has.
// narrate.go picks one and fills its fields; sim/lang translates them.

// Sentence is one event's narration: in technical terms and in the
// apartment-complex analogy.
type Sentence struct {
	Text    string
	Analogy string
}

// Catalogue holds every narration sentence, keyed by event kind and, where
// the words depend on the details, a variant ("port.assign/connect").
// Placeholders in braces are filled from the event (see fill). Keeping all
// sentences here, not in the engine, lets a translation replace this one
// table.
var Catalogue = map[string]Sentence{
	"host.up": {
		"Host {host} is up at {addrs} ({os_title}); it hands out ephemeral ports from {range}.",
		"The apartment complex {host} stands at street address {addrs}. Its management ({os_title}) issues temporary apartment numbers from {range}.",
	},
	"host.range": {
		"The ephemeral port range of {host} is now {range}: the OS lends new client sockets ports from it; ports already lent keep their numbers.",
		"The management of {host} will now issue temporary apartment numbers from {range} only. Tenants who already have one keep it.",
	},
	"program.remove": {
		"The program {path} is removed from {host}. Processes already running it go on; new ones cannot start.",
		"The blueprint {program} is taken out of {host_s} storage room. Households already living by it stay; no new one can move in.",
	},
	"program.install/server": {
		"The program {path} is installed on {host}; when it runs it serves {services}.",
		"The blueprint {program} is kept in {host_s} storage room. Households built from it will live in apartment {service_ports}.",
	},
	"program.install": {
		"The program {path} is installed on {host}. A program is a file on disk: it does nothing until it runs.",
		"The blueprint {program} is kept in {host_s} storage room. Nobody lives by a blueprint until a household moves in.",
	},
	"process.start/fork": {
		"{program} (PID {ppid}) forks: the child process PID {pid} runs the same program and inherits its parent's open sockets.",
		"The {program} household (PID {ppid}) splits off a new household, PID {pid}, that shares the same mail slots.",
	},
	"process.start": {
		"{host} starts {path} as process PID {pid}, running as {user}.",
		"A new household, PID {pid}, moves into {host}, built from the {program} blueprint.",
	},
	"process.exit/signal": {
		"{program} (PID {pid}) is ended by signal SIG{signal} (exit status {code}); the OS closes every socket it still had open.",
		"The {program} household (PID {pid}) is told to leave and moves out; the building closes its mail slots.",
	},
	"process.exit/error": {
		"{program} (PID {pid}) exits with status {code}; the OS closes every socket it still had open.",
		"The {program} household (PID {pid}) gives up and moves out; the building closes its mail slots.",
	},
	"process.exit": {
		"{program} (PID {pid}) exits with status {code}; the OS closes every socket it still had open.",
		"The {program} household (PID {pid}) moves out; the building closes its mail slots.",
	},
	"process.output": {
		"{program} (PID {pid}) prints: {data}",
		"The {program} household (PID {pid}) pins a notice on its door: {data}",
	},
	"thread.start/main": {
		"Process {pid} starts with one thread, its main thread (TID {tid}).",
		"The {program} household starts with one member at home (TID {tid}).",
	},
	"thread.start": {
		"{program} (PID {pid}) starts thread {tid} to {job}; it shares the process's memory and sockets.",
		"A member of the {program} household (TID {tid}) starts a job: {job}. Everyone in the household uses the same mail slots.",
	},
	"thread.exit": {
		"Thread {tid} of {program} (PID {pid}) ends ({job}).",
		"A member of the {program} household (TID {tid}) finishes the job: {job}.",
	},
	"socket.open": {
		"{who} opens a {PROTO} socket: file descriptor {fd}.",
		"The {program} household puts up a new {PROTO} mail slot (number {fd} on its key ring). It has no apartment number yet.",
	},
	"socket.inherit": {
		"The child process PID {pid} inherits descriptor {fd} from PID {ppid}: both now refer to the same {PROTO} socket {local}.",
		"Household {pid} gets a copy of the key to mail slot {fd} from household {ppid}: both can use the same slot.",
	},
	"socket.option/SO_REUSEPORT": {
		"{who} sets SO_REUSEPORT on descriptor {fd}: several sockets of the same user may listen on one port, and the kernel spreads connections over them.",
		"{program} asks the management for a shared apartment number: several households of the same owner may live behind one door.",
	},
	"socket.option": {
		"{who} sets {option} on descriptor {fd}: it may bind a port whose old connections are still in TIME_WAIT.",
		"{program} asks to move into an apartment number even if the last tenant's forwarding period has not ended.",
	},
	"socket.bind/ephemeral": {
		"{who} binds its {PROTO} socket to {local}, a port the OS picked.",
		"{program}'s mail slot now has apartment number {port} on {host}.",
	},
	"socket.bind/any": {
		"{who} binds its {PROTO} socket to {local}: port {port_desc} on every address of {host}.",
		"{program} takes apartment {port_desc} in {host}, at every street address the building has.",
	},
	"socket.bind": {
		"{who} binds its {PROTO} socket to {local}: port {port_desc} on address {local_ip} only.",
		"{program} takes apartment {port_desc} at street address {local_ip} only.",
	},
	"socket.listen": {
		"{who} listens on {PROTO} {local} (backlog {backlog}): it waits for clients to connect.",
		"{program} opens apartment {port_desc} to visitors and waits for letters knocking at the door.",
	},
	"socket.connect/udp": {
		"{who} connects its UDP socket to {remote}: no packet is sent, the socket just remembers its peer and now accepts datagrams from it only.",
		"{program} writes {remote_ip}, apartment {remote_port}, on its mail slot as the only address it will exchange letters with. No letter goes out yet.",
	},
	"socket.connect": {
		"{who} connects from {local} to {remote}: the OS sends a SYN to start the TCP handshake.",
		"{program} in apartment {local_port} writes to {remote_ip}, apartment {remote_port}, asking to start a conversation.",
	},
	"socket.accept": {
		"{who} accepts a connection from {remote}: a new socket, descriptor {fd}, with the same local port {local_port} as the listener.",
		"{program} opens the door to the visitor from {remote_ip}, apartment {remote_port}. The conversation happens in the same apartment {local_port}: the door number does not change.",
	},
	"socket.state/SYN_RECV": {
		"A SYN from {remote} reaches the listener on {local}: the kernel creates a connection in SYN_RECV and answers SYN/ACK.",
		"The doorman of apartment {local_port} notes a visitor from {remote_ip}, apartment {remote_port}, and answers: come in.",
	},
	"socket.state/ESTABLISHED": {
		"The connection {local} <-> {remote} is ESTABLISHED: the handshake is complete.",
		"Apartment {local_port} and {remote_ip}, apartment {remote_port}, are now in a conversation.",
	},
	"socket.state/FIN_WAIT_1": {
		"The socket {local} closes first: it sends FIN to {remote} and waits in FIN_WAIT_1.",
		"Apartment {local_port} writes a goodbye letter to {remote_ip}, apartment {remote_port}.",
	},
	"socket.state/FIN_WAIT_2": {
		"{remote} acknowledged the FIN: {local} waits in FIN_WAIT_2 for the peer to close too.",
		"The goodbye from apartment {local_port} has been received; it waits for the other side's goodbye.",
	},
	"socket.state/CLOSE_WAIT": {
		"{remote} closed its side: {local} is in CLOSE_WAIT until its program closes too.",
		"Apartment {local_port} received a goodbye letter; it waits for its household to say goodbye back.",
	},
	"socket.state/CLOSING": {
		"Both sides closed at once: {local} is in CLOSING, waiting for the ACK of its FIN.",
		"Both apartments wrote goodbye letters at the same moment.",
	},
	"socket.state/LAST_ACK": {
		"{local} closes its side too and sends FIN: LAST_ACK until {remote} acknowledges.",
		"Apartment {local_port} says goodbye back and waits for the final acknowledgement.",
	},
	"socket.state/TIME_WAIT": {
		"{local} closed first, so it enters TIME_WAIT for {until}: the 4-tuple {local} <-> {remote} stays reserved so late packets cannot confuse a new connection.",
		"The conversation is over, but apartment {local_port} stays reserved for {until} (moving out): a late letter from {remote_ip}, apartment {remote_port}, must not reach a new tenant.",
	},
	"socket.state/CLOSED/TIME_WAIT": {
		"TIME_WAIT for {local} <-> {remote} is over: the connection is gone.",
		"The moving-out period for apartment {local_port} has ended.",
	},
	"socket.state/CLOSED/LAST_ACK": {
		"The connection {local} <-> {remote} is closed: both sides have said goodbye, and {local}'s side needs no TIME_WAIT because it closed second.",
		"The conversation between apartment {local_port} and {remote_ip}, apartment {remote_port}, is over.",
	},
	"socket.state/CLOSED/SYN_SENT": {
		"The connection attempt from {local} to {remote} has failed; the socket is CLOSED.",
		"Apartment {local_port}'s attempt to reach {remote_ip}, apartment {remote_port}, has failed.",
	},
	"socket.state/CLOSED/SYN_RECV": {
		"The half-open connection {local} <-> {remote} is dropped.",
		"The visitor from {remote_ip}, apartment {remote_port}, is turned away.",
	},
	"socket.state/CLOSED/LISTEN": {
		"The listener on {local} closes: new connections to port {port_desc} will be refused.",
		"Apartment {port_desc} closes its door to visitors.",
	},
	"socket.state/CLOSED": {
		"The connection {local} <-> {remote} is CLOSED.",
		"The conversation between apartment {local_port} and {remote_ip}, apartment {remote_port}, is over.",
	},
	"socket.state": {
		"The socket {local} moves from {from} to {to}.",
		"Apartment {local_port}'s conversation changes from {from} to {to}.",
	},
	"socket.recv/udp": {
		"{who} reads a UDP datagram of {len} bytes from {remote} on {local}: \"{data}\"",
		"{program} takes a letter from {remote_ip}, apartment {remote_port}, out of its mail slot: \"{data}\"",
	},
	"socket.recv": {
		"{who} reads {len} bytes from {remote}: \"{data}\"",
		"{program} takes a letter from {remote_ip}, apartment {remote_port}, out of its mail slot: \"{data}\"",
	},
	"socket.close/shared": {
		"{who} closes descriptor {fd}; {shared} other descriptor(s) still refer to the socket, so it stays open.",
		"The {program} household hands back its key to mail slot {fd}; others still have a key, so the slot stays open.",
	},
	"socket.close/listen": {
		"{who} closes its listening socket {local}.",
		"The {program} household closes apartment {port_desc} to visitors.",
	},
	"socket.close/unbound": {
		"{who} closes descriptor {fd}, a {PROTO} socket that never got a port.",
		"The {program} household takes down mail slot {fd}; it never had an apartment number.",
	},
	"socket.close": {
		"{who} closes descriptor {fd} ({PROTO} {local}).",
		"The {program} household is done with its mail slot {fd}.",
	},
	"port.assign/connect": {
		"The OS assigns ephemeral port {port} to {who}'s {PROTO} socket for its connection to {remote}.",
		"The OS gives {program} the temporary apartment number {port} for its letter to {remote_ip}, apartment {remote_port}.",
	},
	"port.assign/sendto": {
		"The OS assigns ephemeral port {port} to {who}'s UDP socket for its first datagram to {remote}.",
		"The OS gives {program} the temporary apartment number {port} so that replies to its letter can find it.",
	},
	"nat.map": {
		"{host} maps {PROTO} {src} to its public {local} for the conversation with {remote}.",
		"The front desk of {host} notes that {local} outside stands for {src} inside.",
	},
	"nat.rewrite": {
		"{host} rewrites a letter from {src} to {dst} by its mapping ({local}).",
		"The front desk of {host} readdresses a letter by its notes.",
	},
	"nat.map/kept": {
		"{host} maps {PROTO} {src} to its public {local} for the conversation with {remote}: it keeps the port, since no other mapping uses it towards {remote}.",
		"The front desk of {host} will forward letters between {remote_ip}, apartment {remote_port}, and {src}: on the outside the sender's return address becomes {local}, the same apartment number.",
	},
	"nat.map/changed": {
		"{host} maps {PROTO} {src} to its public {local} for the conversation with {remote}: port {src_port} is already mapped towards {remote}, so it picks another.",
		"The front desk of {host} relabels the return address {src} as {local}: apartment {src_port} is already used on the outside for a letter to the same address, so it picks another number.",
	},
	"nat.map/forward": {
		"{host} forwards {PROTO} {local} to {src} by its port-forwarding rule: the conversation with {remote} goes to the inside host.",
		"The front desk of {host} has a standing order: letters to its apartment {port} go to {src} inside.",
	},
	"nat.rewrite/out": {
		"{host} rewrites the letter's source from {src} to {local} and sends it on to {dst}.",
		"The front desk of {host} crosses out the return address {src} and writes {local}, its own street address, before the letter leaves.",
	},
	"nat.rewrite/in": {
		"{host} rewrites the letter's destination from {dst} to {local}, by its mapping, and hands it inside.",
		"The front desk of {host} looks up who uses apartment {dst_port} and readdresses the letter to {local} inside.",
	},
	"nat.expire": {
		"{host} forgets the mapping of {PROTO} {src} to {local} (with {remote}): it has been unused too long.",
		"The front desk of {host} throws away its note that {local} stands for {src}; letters to {local} will no longer find their way in.",
	},
	"port.assign/rebind": {
		"{who}'s UDP socket moves to ephemeral port {port}: its old port is gone (a new network, or a NAT that forgot it), and its peer now sees it at a new address.",
		"The OS moves {program}'s mail slot to the temporary apartment number {port}: its old return address is no longer valid.",
	},
	"port.assign/listen": {
		"{who} listens without binding first, so the OS picks port {port} for it.",
		"{program} opens its door without choosing a number, so the OS hands it apartment {port}.",
	},
	"port.assign": {
		"{who} binds to port 0, so the OS picks ephemeral port {port} from {host_s} range.",
		"{program} asks for any free apartment, and the OS hands it the temporary number {port}.",
	},
	"port.release/ephemeral": {
		"Ephemeral port {PROTO} {port} on {host} is free again.",
		"Temporary apartment number {port} in {host} is free to hand out again.",
	},
	"port.release": {
		"Port {PROTO} {port_desc} on {host} is free again.",
		"Apartment {port_desc} in {host} is empty again.",
	},
	"packet.send": {
		"{src} -> {dst}: a {PROTO} segment ({flags}).",
		"A letter from {src_ip}, apartment {src_port}, to {dst_ip}, apartment {dst_port}.",
	},
	"packet.deliver": {
		"{host} delivers the packet from {src} to the socket for {dst}.",
		"{host_s} mailroom sorts the letter from {src_ip}, apartment {src_port}, to apartment {dst_port}.",
	},
	"packet.drop": {
		"{host} drops the packet from {src} to {dst}.",
		"The letter from {src_ip}, apartment {src_port}, to {dst_ip}, apartment {dst_port}, is not delivered.",
	},
	"packet.send/SYN": {
		"{src} -> {dst}: SYN (seq {tcp_seq}), the first step of the TCP three-way handshake.",
		"A letter from {src_ip}, apartment {src_port}, to {dst_ip}, apartment {dst_port}: \"May we talk?\"",
	},
	"packet.send/SYN/ACK": {
		"{src} -> {dst}: SYN/ACK, the second step of the handshake.",
		"The reply from apartment {src_port}: \"Yes, let's talk.\"",
	},
	"packet.send/RST": {
		"{src} -> {dst}: RST. {host} has no socket for this connection, so it resets it.",
		"The building {host} sends the letter back to {dst_ip}, apartment {dst_port}: nobody lives at apartment {src_port}.",
	},
	"packet.send/FIN": {
		"{src} -> {dst}: FIN, no more data from this side.",
		"A goodbye letter from apartment {src_port} to {dst_ip}, apartment {dst_port}.",
	},
	"packet.send/ACK": {
		"{src} -> {dst}: ACK (ack {tcp_ack}), acknowledging what arrived.",
		"A short note from apartment {src_port} to {dst_ip}, apartment {dst_port}: \"Got it.\"",
	},
	"packet.send/data": {
		"{src} -> {dst}: {len} bytes of data: \"{data}\"",
		"A letter from {src_ip}, apartment {src_port}, to {dst_ip}, apartment {dst_port}: \"{data}\"",
	},
	"packet.send/udp": {
		"{src} -> {dst}: a UDP datagram of {len} bytes: \"{data}\"",
		"A postcard from {src_ip}, apartment {src_port}, to {dst_ip}, apartment {dst_port}: \"{data}\" (no conversation is set up first).",
	},
	"packet.deliver/established": {
		"{host} matches the {flags_or_data} from {src} to the connection {dst} <-> {src} (established 4-tuple lookup).",
		"{host_s} mailroom sorts the letter from {src_ip}, apartment {src_port}, to apartment {dst_port}: it belongs to the conversation with that sender.",
	},
	"packet.deliver/listener": {
		"{host} finds no connection for {src} -> {dst}, so the SYN goes to the socket listening on {dst_port}.",
		"{host_s} mailroom has no conversation with {src_ip}, apartment {src_port}, yet, so the letter goes to apartment {dst_port}'s front door.",
	},
	"packet.deliver/udp-connected": {
		"{host} delivers the datagram from {src} to the UDP socket connected to that sender.",
		"{host_s} mailroom puts the postcard from {src_ip}, apartment {src_port}, into the slot that only accepts letters from that sender.",
	},
	"packet.deliver/udp": {
		"{host} delivers the datagram from {src} to the UDP socket bound to port {dst_port}.",
		"{host_s} mailroom puts the postcard into apartment {dst_port}'s mail slot.",
	},
	"packet.drop/no-host": {
		"No host has address {dst_ip}: the packet from {src} is lost (nobody answers ARP).",
		"There is no building at street address {dst_ip}: the letter cannot be delivered.",
	},
	"packet.drop/backlog-full": {
		"The listener on {dst} has a full accept queue: {host} drops the SYN from {src}.",
		"Apartment {dst_port}'s waiting room is full: the doorman ignores the knock from {src_ip}.",
	},
	"packet.deliver/nat": {
		"{host} takes the letter from {src} to {dst}: it is not for the router itself, so its NAT rewrites it and sends it on.",
		"The front desk of {host} takes the letter from {src_ip}, apartment {src_port}: it is for someone else, so the desk readdresses it and passes it on.",
	},
	"packet.drop/no-mapping": {
		"{host} has no mapping for {src} -> {dst} and no forwarding rule for port {dst_port}: it drops the letter and answers nothing.",
		"The front desk of {host} has no note about apartment {dst_port}: it does not know whom inside the letter is for, and throws it away.",
	},
	"packet.drop/no-socket/udp": {
		"No socket on {host} is bound to UDP port {dst_port}: the datagram from {src} is dropped (a real host answers with ICMP port unreachable).",
		"Nobody lives at apartment {dst_port} in {host}: the postcard is thrown away.",
	},
	"packet.drop/no-socket": {
		"No socket on {host} matches {src} -> {dst}: nothing listens on TCP port {dst_port}.",
		"Nobody lives at apartment {dst_port} in {host}: the mailroom cannot sort the letter.",
	},
	"pipe.write": {
		"{program} (PID {pid}) writes {len} bytes into a pipe to PID {ppid}: \"{data}\". A pipe is an OS channel between processes on one host: no socket, no address, no port.",
		"The {program} household slips a note under the door of household {ppid}, inside the building: \"{data}\". It never goes through the post.",
	},
	"pipe.read": {
		"{program} (PID {pid}) reads {len} bytes from the pipe written by PID {ppid}.",
		"Household {pid} picks up the note from household {ppid}. No street address or apartment number was needed.",
	},
	"error/EADDRINUSE/bind": {
		"{call}() fails for {who}: {errno} ({errtext}): another socket already holds {PROTO} port {port_desc} on an overlapping address.",
		"{program} cannot take apartment {port_desc}: someone already lives there.",
	},
	"error/EADDRINUSE/listen": {
		"listen() fails for {who}: EADDRINUSE: another socket already listens on {local}.",
		"{program} cannot open apartment {port_desc} to visitors: another household already receives them there.",
	},
	"error/EADDRINUSE": {
		"{call}() fails for {who}: EADDRINUSE ({errtext}): no free ephemeral port is left in {host_s} range.",
		"{program} asks for a temporary apartment number, but every number in {host_s} range is taken.",
	},
	"error/EAGAIN": {
		"{call}() fails for {who}: EAGAIN ({errtext}): no free ephemeral UDP port is left in {host_s} range.",
		"{program} asks for a temporary apartment number, but every number in {host_s} range is taken.",
	},
	"error/EADDRNOTAVAIL/bind": {
		"bind() fails for {who}: EADDRNOTAVAIL ({errtext}): {host} has no address {local_ip}.",
		"{program} asks for an apartment at street address {local_ip}, but {host} is not at that address.",
	},
	"error/EADDRNOTAVAIL": {
		"{call}() fails for {who}: EADDRNOTAVAIL ({errtext}): every ephemeral port is already in use towards {remote}.",
		"{host} has run out of temporary apartment numbers for letters to {remote_ip}, apartment {remote_port}.",
	},
	"error/ECONNREFUSED": {
		"connect() fails for {who}: ECONNREFUSED ({errtext}): nothing listens on {remote}, and the peer answered RST.",
		"{program}'s letter came back: nobody lives at {remote_ip}, apartment {remote_port}.",
	},
	"error/ECONNRESET": {
		"{who}'s connection to {remote} is reset: ECONNRESET ({errtext}).",
		"The conversation with {remote_ip}, apartment {remote_port}, was cut off.",
	},
	"error/EACCES": {
		"bind() fails for {who}: EACCES ({errtext}): on {host}, ports below {privileged} need root privileges, and the process runs as {user_or_proc}.",
		"Apartments numbered below {privileged} are reserved for the building's management; {program} is an ordinary tenant.",
	},
	"error/ETIMEDOUT": {
		"connect() fails for {who}: ETIMEDOUT ({errtext}): no answer from {remote} after every SYN retry.",
		"{program} wrote to {remote_ip}, apartment {remote_port}, again and again; no answer came.",
	},
	"error/EHOSTUNREACH": {
		"connect() fails for {who}: EHOSTUNREACH ({errtext}): no host answers for {remote_ip}.",
		"There is no building at street address {remote_ip}.",
	},
	"error/EMSGSIZE": {
		"{call}() fails for {who}: EMSGSIZE ({errtext}): one UDP datagram carries at most 65,507 bytes (65,535 less the IP and UDP headers); TCP would split a long message, UDP does not.",
		"A postcard has room for 65,507 bytes; {program}'s message does not fit on one, and the post does not cut postcards up.",
	},
	"error": {
		"{call}() fails for {who}: {errno} ({errtext}).",
		"{program}'s request ({call}) is refused: {errtext}.",
	},
}
