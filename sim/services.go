package sim

// wellKnown maps the teachable ports of DOMAIN.md section 2 to their IANA
// service names, per protocol.
var wellKnown = map[Service]string{
	{TCP, 20}: "ftp-data", {TCP, 21}: "ftp", {TCP, 22}: "ssh", {TCP, 23}: "telnet",
	{TCP, 25}: "smtp", {TCP, 53}: "domain", {UDP, 53}: "domain",
	{UDP, 67}: "bootps", {UDP, 68}: "bootpc", {UDP, 69}: "tftp",
	{TCP, 80}: "http", {TCP, 110}: "pop3", {TCP, 111}: "sunrpc", {UDP, 111}: "sunrpc",
	{UDP, 123}: "ntp", {TCP, 143}: "imap", {UDP, 161}: "snmp", {TCP, 389}: "ldap",
	{TCP, 443}: "https", {UDP, 443}: "https", {TCP, 465}: "submissions",
	{TCP, 514}: "shell", {UDP, 514}: "syslog",
	{TCP, 587}: "submission", {TCP, 993}: "imaps", {TCP, 995}: "pop3s",
	{TCP, 3306}: "mysql", {TCP, 5432}: "postgresql", {UDP, 5060}: "sip", {TCP, 5060}: "sip",
	{TCP, 3389}: "rdp", {TCP, 8080}: "http-alt",
}

// ServiceName returns the IANA service name of a port, or "".
func ServiceName(proto Proto, port uint16) string {
	return wellKnown[Service{proto, port}]
}

// PortClass names the RFC 6335 range a port falls in: "system" (0-1023),
// "user" (1024-49151) or "dynamic" (49152-65535).
func PortClass(port uint16) string {
	switch {
	case port < 1024:
		return "system"
	case port < 49152:
		return "user"
	}
	return "dynamic"
}
