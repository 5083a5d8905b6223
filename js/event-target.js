// The base class of Socket: the platform's EventTarget, made lazily where that is possible.
//
// Node keeps an EventTarget's state in symbol-keyed properties that its constructor sets: two
// Maps and two numbers, some 400 bytes per object. Most sockets never get a listener (scripts
// override the *Event methods), and 10 000 idle sockets paid that for nothing. Where the state
// is such properties (Node), the base class runs no EventTarget constructor; each of those
// properties is an accessor on the prototype instead, which, at the first read or write on a
// socket (Node's own addEventListener, dispatchEvent, events.once, getEventListeners…), gives
// that socket the properties a fresh EventTarget has. Where EventTarget keeps its state in
// internal slots (browsers: no such properties), the base is EventTarget itself.

const keys = Object.getOwnPropertySymbols(new EventTarget());

function lazyEventTarget() {
  // A base class: `super()` in a subclass runs this constructor, not EventTarget's, while
  // instanceof, the methods and the statics (Node's brand check reads one) are EventTarget's.
  class LazyEventTarget {}
  Object.setPrototypeOf(LazyEventTarget.prototype, EventTarget.prototype);
  Object.setPrototypeOf(LazyEventTarget, EventTarget);
  const own = (obj, key, value) => Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  // The first touch of any key makes all of them, from a fresh EventTarget (current defaults).
  const init = (obj) => {
    const fresh = new EventTarget();
    for (const key of keys) own(obj, key, fresh[key]);
  };
  for (const key of keys) {
    Object.defineProperty(LazyEventTarget.prototype, key, {
      get() {
        init(this);
        return this[key];
      },
      set(value) {
        init(this);
        own(this, key, value);
      },
      configurable: true,
    });
  }
  return LazyEventTarget;
}

export const SocketBase = keys.length > 0 ? lazyEventTarget() : EventTarget;
