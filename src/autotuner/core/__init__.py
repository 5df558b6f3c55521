"""The shared kit every layer may use: errors, settings, request models, ids, enums, the value
model of a parameter space, and the sentences errors are written in. Imports nothing else of the
package."""
