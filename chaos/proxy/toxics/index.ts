// Loads every toxic type so it registers itself; add one import per new toxic file.
// TCP (Toxiproxy's toxics, same names and attributes):
import './latency.js';
import './bandwidth.js';
import './slow_close.js';
import './timeout.js';
import './reset_peer.js';
import './slicer.js';
import './limit_data.js';
// UDP proxies:
import './udp-latency.js';
import './udp-drop.js';
import './udp-duplicate.js';
