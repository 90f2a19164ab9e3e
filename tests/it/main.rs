//! One integration-test binary (fast links): every test crawls real HTTP
//! servers bound to 127.0.0.1 inside the test process; nothing leaves loopback.

mod cli;
mod cli_limits;
mod detection;
mod durability;
mod fixtures;
mod golden;
mod history;
mod hostile;
mod hostile_server;
mod html_report;
mod outputs;
mod print;
mod rendering;
mod shards;
mod start_redirect;
mod structure_first;
mod support;
