//! Bytes a host holds for the engine: the engine queues them by handle and knows only their
//! length. A JS host's received chunk (the `Uint8Array` the network gave) and a script's write
//! (its bytes, or a short ASCII string a host sends as text) enter the engine's queues this way,
//! so that they are not copied into wasm and out again (docs/design.md, the engine boundary);
//! native hosts and the component use owned bytes instead.

use std::any::Any;
use std::fmt;
use std::rc::Rc;

/// One chunk the host holds: an opaque handle (shared, so that a read that takes part of a
/// chunk leaves the rest queued under the same handle) and the number of bytes it stands for.
#[derive(Clone)]
pub struct Held {
    handle: Rc<dyn Any>,
    len: usize,
}

impl Held {
    /// `len` bytes behind `handle` (what the host gets back: `handle::<T>()`).
    pub fn new<T: Any>(handle: T, len: usize) -> Held {
        Held {
            handle: Rc::new(handle),
            len,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The host's handle, when it is a `T`.
    pub fn handle<T: Any>(&self) -> Option<&T> {
        self.handle.downcast_ref()
    }

    /// Whether both name the same chunk (not merely equal bytes).
    pub fn same(&self, other: &Held) -> bool {
        Rc::ptr_eq(&self.handle, &other.handle)
    }
}

impl fmt::Debug for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Held({} bytes)", self.len)
    }
}

impl PartialEq for Held {
    fn eq(&self, other: &Held) -> bool {
        self.same(other) && self.len == other.len
    }
}

impl Eq for Held {}

/// Part of a held chunk a read takes: bytes `start..end` of `held`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSlice {
    pub held: Held,
    pub start: usize,
    pub end: usize,
}

impl HeldSlice {
    /// Whether the slice is the whole chunk (the host hands the chunk out as it is).
    pub fn is_whole(&self) -> bool {
        self.start == 0 && self.end == self.held.len()
    }
}

/// Bytes to write: owned, or held by the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    Bytes(Vec<u8>),
    Held(Held),
}
