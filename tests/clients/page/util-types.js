// node:util/types for a page: pg asks it for isDate only (docs/net.md).
export const isDate = (value) => Object.prototype.toString.call(value) === '[object Date]';
export default { isDate };
