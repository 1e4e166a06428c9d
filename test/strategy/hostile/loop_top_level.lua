-- An infinite loop in the top-level code: the script fails to load.
while true do end
function detect_opportunity() end
function filter_commitment() end
function manage_position() end
