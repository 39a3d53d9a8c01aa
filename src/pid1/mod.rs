//! The PID-1 layer: the supervisor loop that starts PROGRAM, forwards
//! signals, reaps every zombie and exits with PROGRAM's status.

pub mod supervisor;
